from datetime import date
from decimal import Decimal

import pytest

from claimdesk.compliance.rules import (
    Certificate,
    check_qualified,
    expiry,
    parse_rules,
    qualification_rules,
    shortfalls,
    training_standing,
)
from claimdesk.core.errors import PermissionDenied

RULES = qualification_rules()
DAY = date(2026, 6, 15)


def licence(kind: str, issued: date = date(2024, 1, 1), expires: date | None = date(2027, 1, 1)):
    return Certificate(kind, issued, expires)


def test_a_medical_assessment_needs_the_general_licence_and_the_medical_certificate():
    assert RULES.required("assess", "medical") == ("claims_adjuster", "medical_claims")
    assert RULES.required("approve", "accident") == ("claims_adjuster",)
    assert RULES.required("pay", "medical") == ()


def test_valid_certificates_cover_the_action():
    held = [licence("claims_adjuster"), licence("medical_claims")]
    assert shortfalls(held, RULES.required("assess", "medical"), DAY) == []


def test_an_expired_certificate_is_named_with_its_expiry_date():
    held = [licence("claims_adjuster"), licence("medical_claims", expires=date(2026, 5, 31))]
    (gap,) = shortfalls(held, RULES.required("assess", "medical"), DAY)
    assert (gap.kind, gap.problem, gap.expired_on) == (
        "medical_claims",
        "expired",
        date(2026, 5, 31),
    )


def test_a_renewed_certificate_outweighs_the_expired_one():
    held = [
        licence("claims_adjuster"),
        licence("medical_claims", expires=date(2026, 5, 31)),
        licence("medical_claims", issued=date(2026, 6, 1), expires=date(2029, 5, 31)),
    ]
    assert shortfalls(held, RULES.required("approve", "medical"), DAY) == []


def test_a_certificate_not_yet_issued_on_the_day_does_not_count():
    held = [licence("claims_adjuster", issued=date(2026, 7, 1))]
    (gap,) = shortfalls(held, ["claims_adjuster"], DAY)
    assert (gap.problem, gap.valid_from) == ("not_yet_valid", date(2026, 7, 1))


def test_a_certificate_is_valid_on_its_last_day():
    assert shortfalls([licence("claims_adjuster", expires=DAY)], ["claims_adjuster"], DAY) == []


def test_the_refusal_says_which_certificate_is_missing_and_how_to_fix_it():
    with pytest.raises(PermissionDenied) as refused:
        check_qualified(
            "approve", "motor", [licence("claims_adjuster")], DAY, RULES, username="li", user_id=7
        )
    message = refused.value.message
    assert "Motor loss assessor certificate" in message
    assert "claimdesk staff certify li --kind KIND" in message
    assert "/api/v1/compliance/staff/7/qualifications" in message
    assert "机动车定损资格证" in message
    assert refused.value.details == [
        {"kind": "motor_assessor", "problem": "missing", "expired_on": None, "valid_from": None}
    ]


def test_gates_naming_an_unknown_kind_are_refused_at_load():
    with pytest.raises(ValueError, match="unknown kinds: ghost"):
        parse_rules('[kinds.a]\nen = "A"\nzh = "甲"\n[gates.assess]\nall = ["ghost"]\n')


@pytest.mark.parametrize(
    ("expires", "state", "days_left"),
    [
        (None, "valid", None),
        (date(2026, 6, 14), "expired", -1),
        (date(2026, 6, 15), "expiring", 0),
        (date(2026, 7, 15), "expiring", 30),
        (date(2026, 7, 16), "valid", 31),
    ],
)
def test_expiry_warns_within_the_window(expires, state, days_left):
    result = expiry(expires, DAY, warn_days=30)
    assert (result.state, result.days_left) == (state, days_left)


def test_training_hours_count_only_the_year_and_show_the_shortfall():
    hours = [
        (date(2025, 12, 31), Decimal("10")),
        (date(2026, 1, 2), Decimal("12.5")),
        (date(2026, 9, 1), Decimal("8")),
    ]
    standing = training_standing(hours, 2026, Decimal("36"))
    assert (standing.hours, standing.shortfall, standing.met) == (
        Decimal("20.5"),
        Decimal("15.5"),
        False,
    )
    assert training_standing(hours, 2026, Decimal("20")).met
