"""Case reserve rules (pure): the table, the initial reserve, changes, payments, flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from claimdesk.claims.reserve_rules import (
    Adequacy,
    AdequacyFlag,
    ReserveFacts,
    ReserveRule,
    adequacy_flags,
    after_payment,
    check_new_reserve,
    initial_reserve,
    parse_reserve_table,
    reopened_reserve,
    reserve_table,
)
from claimdesk.core.errors import ValidationFailed

D = Decimal
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ADEQUACY = Adequacy(D("1.25"), D("0.80"), 90)


def test_the_shipped_table_has_a_default_and_a_rule_per_product_and_claim_type():
    table = reserve_table()
    assert table.default.basis == "claimed"
    assert table.rule_for("MED-HOSP", "inpatient").factor == D("1.10")
    assert table.rule_for("MED-HOSP", "outpatient") is table.default
    assert table.rule_for("MOTOR-COMP", "third_party").basis == "fixed"
    assert table.adequacy == ADEQUACY


def test_a_wildcard_rule_matches_any_claim_type_of_its_product():
    table = parse_reserve_table(
        """
        [default]
        basis = "claimed"
        [[rules]]
        product = "MOTOR-COMP"
        claim_type = "*"
        basis = "fixed"
        amount = "3000.00"
        """
    )
    assert table.rule_for("MOTOR-COMP", "vehicle_damage").amount == D("3000.00")
    assert table.rule_for("MED-HOSP", "vehicle_damage") is table.default


@pytest.mark.parametrize(
    "text",
    [
        '[default]\nbasis = "guess"',
        '[default]\nbasis = "fixed"',
        '[default]\nbasis = "claimed"\nfactor = "-1"',
        '[default]\nbasis = "claimed"\nfactor = "lots"',
    ],
)
def test_a_broken_table_is_refused_with_what_is_wrong(text):
    with pytest.raises(ValueError, match=r"reserves\.toml"):
        parse_reserve_table(text)


def test_the_default_rule_reserves_the_claimed_amount_capped_by_the_remaining_sum_insured():
    rule = ReserveRule("*", "*", "claimed")
    assert initial_reserve(rule, claimed=D("1200.00"), remaining=D("5000")) == D("1200.00")
    assert initial_reserve(rule, claimed=D("1200.00"), remaining=D("700")) == D("700.00")
    assert initial_reserve(rule, claimed=D("1200.00"), remaining=D("0")) == D("0.00")


def test_a_claimed_rule_applies_its_factor_and_minimum_and_a_fixed_rule_its_amount():
    grown = ReserveRule("P", "t", "claimed", factor=D("1.10"), minimum=D("2000"))
    assert initial_reserve(grown, claimed=D("5000"), remaining=D("1e6")) == D("5500.00")
    assert initial_reserve(grown, claimed=D("100"), remaining=D("1e6")) == D("2000.00")
    fixed = ReserveRule("P", "t", "fixed", amount=D("20000"))
    assert initial_reserve(fixed, claimed=D("1"), remaining=D("1e6")) == D("20000.00")
    assert initial_reserve(fixed, claimed=D("1"), remaining=D("15000")) == D("15000.00")
    assert initial_reserve(grown, claimed=D("333.33"), remaining=D("1e6")) == D("2000.00")
    assert initial_reserve(
        ReserveRule("P", "t", "claimed", factor=D("1.10")), claimed=D("333.33"), remaining=D("1e6")
    ) == D("366.66")


def test_a_reopened_claim_is_reserved_for_what_the_table_gives_less_what_was_paid():
    rule = ReserveRule("*", "*", "claimed")
    assert reopened_reserve(rule, claimed=D("900"), paid=D("400"), remaining=D("1e6")) == D("500")
    assert reopened_reserve(rule, claimed=D("900"), paid=D("950"), remaining=D("1e6")) == D("0")


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [
        (D("-0.01"), "typo", "amount"),
        (D("NaN"), "typo", "amount"),
        (D("1.001"), "three places", "amount"),
        (D("100"), "  ", "reason"),
        (D("100"), None, "reason"),
        (D("500.00"), "the same", "amount"),
    ],
)
def test_a_change_is_refused_when_negative_unreasoned_or_the_same(amount, reason, field):
    with pytest.raises(ValidationFailed) as refused:
        check_new_reserve(amount, reason, current=D("500.00"))
    assert refused.value.details == [{"field": field}]


def test_a_change_to_zero_with_a_reason_is_allowed_and_the_reason_trimmed():
    assert check_new_reserve(D("0"), "  settled   elsewhere ", current=D("10")) == (
        "settled elsewhere"
    )


def test_a_payment_lowers_the_reserve_but_not_below_zero():
    assert after_payment(D("5500.00"), D("4000.00")) == D("1500.00")
    assert after_payment(D("100.00"), D("4000.00")) == D("0.00")


def facts(**changes):
    values = {
        "status": "under_review",
        "reserve": D("1000"),
        "paid": D("0"),
        "initial": D("1000"),
        "remaining_sum_insured": D("100000"),
        "last_change_at": NOW - timedelta(days=10),
    }
    return ReserveFacts(**{**values, **changes})


def test_an_adequate_reserve_raises_no_flag():
    assert adequacy_flags(facts(), ADEQUACY, now=NOW) == []


def test_incurred_over_125_percent_of_the_initial_reserve_is_flagged():
    at_limit = facts(reserve=D("250"), paid=D("1000"))  # 1250 = 125%: not over
    assert adequacy_flags(at_limit, ADEQUACY, now=NOW) == []
    over = facts(reserve=D("250.01"), paid=D("1000"))
    assert adequacy_flags(over, ADEQUACY, now=NOW) == [AdequacyFlag.INCURRED_OVER_INITIAL]
    never_reserved = facts(initial=D("0"), reserve=D("0"), paid=D("1000"), status="closed")
    assert adequacy_flags(never_reserved, ADEQUACY, now=NOW) == []


def test_a_reserve_above_80_percent_of_the_remaining_sum_insured_is_flagged():
    near = facts(reserve=D("1000"), initial=D("1000"), remaining_sum_insured=D("1250"))
    assert adequacy_flags(near, ADEQUACY, now=NOW) == []  # 1000 = 80%: not above
    above = facts(remaining_sum_insured=D("1249.99"))
    assert adequacy_flags(above, ADEQUACY, now=NOW) == [AdequacyFlag.RESERVE_OVER_REMAINING]
    released = facts(reserve=D("0"), remaining_sum_insured=D("0"), status="closed")
    assert adequacy_flags(released, ADEQUACY, now=NOW) == []


def test_a_reserve_unchanged_for_90_days_on_an_open_claim_is_flagged():
    stale = facts(last_change_at=NOW - timedelta(days=90))
    assert adequacy_flags(stale, ADEQUACY, now=NOW) == [AdequacyFlag.UNCHANGED]
    fresh = facts(last_change_at=NOW - timedelta(days=89, hours=23))
    assert adequacy_flags(fresh, ADEQUACY, now=NOW) == []
    for ended in ("closed", "denied", "withdrawn", "paid", "archived"):
        assert (
            adequacy_flags(
                facts(status=ended, last_change_at=NOW - timedelta(days=400)), ADEQUACY, now=NOW
            )
            == []
        )
