"""Reserve development by month (pure): month ends and the figures at each."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from claimdesk.analytics.reserves import development, month_ends

D = Decimal
NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


def test_each_local_month_ends_at_local_midnight_or_the_period_end_or_now():
    ends = month_ends(date(2026, 10, 15), date(2026, 12, 31), timezone="Asia/Shanghai", now=NOW)
    assert ends == [
        ("2026-10", datetime(2026, 10, 31, 16, 0, tzinfo=UTC)),
        ("2026-11", datetime(2026, 11, 30, 16, 0, tzinfo=UTC)),
        ("2026-12", NOW),
    ]
    short = month_ends(date(2026, 11, 1), date(2026, 11, 10), timezone="Asia/Shanghai", now=NOW)
    assert short == [("2026-11", datetime(2026, 11, 10, 16, 0, tzinfo=UTC))]


def test_the_reserve_at_a_month_end_is_each_claims_last_step_before_it():
    october, november = (
        datetime(2026, 10, 31, 16, tzinfo=UTC),
        datetime(2026, 11, 30, 16, tzinfo=UTC),
    )
    steps = [
        (1, datetime(2026, 10, 2, tzinfo=UTC), D("5500")),  # initial
        (1, datetime(2026, 11, 5, tzinfo=UTC), D("6100")),  # changed
        (1, datetime(2026, 11, 20, tzinfo=UTC), D("1100")),  # paid 5000
        (2, datetime(2026, 10, 20, tzinfo=UTC), D("800")),
        (2, october, D("0")),  # released exactly at the month end: counts in November
    ]
    payments = [(1, datetime(2026, 11, 20, tzinfo=UTC), D("5000"))]
    oct_row, nov_row = development(steps, payments, [("2026-10", october), ("2026-11", november)])
    assert (oct_row.reserve_amount, oct_row.paid_amount, oct_row.incurred_amount) == (
        D("6300"),
        D("0"),
        D("6300"),
    )
    assert oct_row.claims_with_reserve == 2
    assert (nov_row.reserve_amount, nov_row.paid_amount, nov_row.incurred_amount) == (
        D("1100"),
        D("5000"),
        D("6100"),
    )
    assert nov_row.claims_with_reserve == 1


def test_no_reserves_and_no_payments_give_zero_months():
    [row] = development([], [], [("2026-11", NOW)])
    assert (row.reserve_amount, row.incurred_amount, row.claims_with_reserve) == (D("0"), D("0"), 0)


def test_what_happened_at_now_counts_in_the_current_month():
    steps = [(1, datetime(2026, 12, 1, tzinfo=UTC), D("800")), (1, NOW, D("0"))]
    [row] = development(steps, [(1, NOW, D("50"))], [("2026-12", NOW)], now=NOW)
    assert (row.reserve_amount, row.paid_amount) == (D("0"), D("50"))
    [before] = development(steps, [(1, NOW, D("50"))], [("2026-12", NOW)])
    assert (before.reserve_amount, before.paid_amount) == (D("800"), D("0"))
