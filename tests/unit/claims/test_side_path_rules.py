"""Pure rules of the side paths: dispute awards, referral targets, field investigation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from claimdesk.claims.rules import (
    check_award,
    check_field_investigation,
    check_referral,
    field_investigation_reasons,
    field_investigation_rule,
    parse_field_investigation,
)
from claimdesk.core.errors import (
    Conflict,
    FieldInvestigationOpen,
    PermissionDenied,
    ValidationFailed,
)
from claimdesk.security.enums import Role

LIMITS = {"adjuster": Decimal("10000"), "senior_adjuster": Decimal("100000"), "supervisor": None}


def award(**overrides):
    facts = {
        "claim_id": 7,
        "dispute_id": 3,
        "dispute_claim_id": 7,
        "settled": True,
        "outcome": "extra_payment",
        "amount": Decimal("500.00"),
        "applied": False,
    }
    return check_award(**{**facts, **overrides})


def test_an_award_is_the_amount_awarded_as_is():
    assert award() == Decimal("500.00")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"dispute_id": None}, ValidationFailed),
        ({"dispute_claim_id": 8}, ValidationFailed),
        ({"dispute_claim_id": None}, ValidationFailed),
        ({"settled": False}, Conflict),
        ({"outcome": "reassess"}, Conflict),
        ({"amount": None}, Conflict),
        ({"applied": True}, Conflict),
    ],
)
def test_an_award_needs_a_settled_award_of_this_claim_not_yet_approved(overrides, error):
    with pytest.raises(error):
        award(**overrides)


def refer(**overrides):
    facts = {
        "referrer_id": 1,
        "target_id": 2,
        "target_role": "senior_adjuster",
        "target_active": True,
        "assessor_id": 3,
        "amount": Decimal("25000"),
        "limits": LIMITS,
    }
    check_referral(**{**facts, **overrides})


def test_a_referral_goes_to_someone_whose_authority_covers_the_amount():
    refer()
    refer(target_role="supervisor", amount=Decimal("5000000"))


@pytest.mark.parametrize(
    "overrides",
    [
        {"target_role": None},
        {"target_active": False},
        {"target_role": "customer"},
        {"target_id": 1},
        {"target_id": 3},
        {"target_role": "investigator"},
        {"target_role": "adjuster"},
        {"amount": Decimal("100000.01")},
    ],
    ids=str,
)
def test_a_referral_to_someone_who_may_not_approve_is_refused(overrides):
    with pytest.raises(ValidationFailed) as refused:
        refer(**overrides)
    assert refused.value.details == [{"field": "to_user_id"}]


RULE = parse_field_investigation(
    """
default_threshold = "100000.00"
complex_cause_codes = ["death"]
complex_min_loss_lines = 3
[thresholds]
accidental_death_disability = "50000.00"
"""
)


def reasons(claim_type="inpatient", amount="1000", causes=(), lines=1):
    return field_investigation_reasons(
        RULE, claim_type=claim_type, amount=Decimal(amount), cause_codes=causes, loss_lines=lines
    )


def test_routing_sends_large_or_complex_claims_to_field_investigation():
    assert reasons() == []
    assert reasons(amount="99999.99") == []
    assert reasons(amount="100000") == ["large_amount"]
    assert reasons("accidental_death_disability", "50000") == ["large_amount"]
    assert reasons(causes=("death",)) == ["complex_cause"]
    assert reasons(lines=3) == ["many_loss_lines"]


def test_the_shipped_thresholds_are_data():
    rule = field_investigation_rule()
    assert rule.threshold("accidental_death_disability") < rule.threshold("inpatient")


def guard(**overrides):
    facts = {
        "reasons": ["large_amount"],
        "statuses": set(),
        "waive": False,
        "role": Role.SENIOR_ADJUSTER,
        "waiver_roles": ["supervisor"],
        "reason": None,
    }
    return check_field_investigation(**{**facts, **overrides})


def test_approval_waits_for_a_completed_field_investigation_or_a_reasoned_waiver():
    assert guard(reasons=[]) is False
    assert guard(statuses={"completed"}) is False
    for statuses in (set(), {"open"}):
        with pytest.raises(FieldInvestigationOpen) as refused:
            guard(statuses=statuses)
        assert refused.value.code == "field_investigation_open"
    with pytest.raises(PermissionDenied):
        guard(waive=True, reason="known facts")
    with pytest.raises(ValidationFailed):
        guard(waive=True, role=Role.SUPERVISOR, reason="  ")
    assert guard(waive=True, role=Role.SUPERVISOR, reason="known facts") is True
