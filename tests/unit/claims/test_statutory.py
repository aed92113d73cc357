"""Statutory clocks (arts. 23-25) on the 2026 business calendar and, for 2027 (not yet in
the holiday package), on the provisional weekends-only rule, flagged as such."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from claimdesk.claims.advances import check_advance
from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.statutory import (
    ClaimFacts,
    ClockRule,
    ClockState,
    deadline,
    met_state,
    next_check,
    rule_specs,
    running_state,
    targets,
)
from claimdesk.core.calendar import calendar_known, next_working_day
from claimdesk.core.errors import InvalidTransition, ValidationFailed

TZ = "Asia/Shanghai"
SPECS = rule_specs(
    decision_days=30, payment_days=10, denial_notice_days=3, advance_days=60, warning_days=5
)
R = ClockRule


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_decision_clock_ends_at_midnight_30_days_after_completion():
    plan = deadline(utc(2026, 6, 15, 2), SPECS[R.DECISION_30D], TZ)  # Mon 10:00 in Shanghai
    assert plan.due_at == utc(2026, 7, 15, 16)  # 2026-07-16 00:00 local: end of 15 July
    assert plan.warn_at == plan.due_at - timedelta(days=5)
    assert plan.provisional is False


def test_a_last_day_in_the_national_day_holiday_moves_to_the_first_working_day_after():
    plan = deadline(utc(2026, 9, 28, 2), SPECS[R.DENIAL_NOTICE_3D], TZ)  # 3 days: 1 October
    assert plan.due_at == utc(2026, 10, 8, 16)  # end of Thursday 8 October
    assert plan.warn_at == utc(2026, 10, 7, 16)  # the last day, from its start
    payment = deadline(utc(2026, 9, 21, 2), SPECS[R.PAYMENT_10D], TZ)  # 10 days: 1 October
    assert payment.due_at == utc(2026, 10, 8, 16)


def test_a_last_day_on_the_dragon_boat_holiday_and_weekend_moves_to_monday():
    plan = deadline(utc(2026, 6, 9, 2), SPECS[R.PAYMENT_10D], TZ)  # 10 days: Fri 19 June
    assert plan.due_at == utc(2026, 6, 22, 16)  # end of Monday 22 June
    assert plan.provisional is False


def test_a_year_the_holiday_package_does_not_know_is_counted_weekends_only_and_flagged():
    assert calendar_known(datetime(2026, 12, 31).date())
    assert not calendar_known(datetime(2027, 1, 4).date())
    plan = deadline(utc(2026, 12, 20, 2), SPECS[R.DECISION_30D], TZ)  # 19 January 2027
    assert plan.due_at == utc(2027, 1, 19, 16)
    assert plan.provisional is True
    # 60 days from 10 November 2026 is Saturday 9 January 2027: Monday under the fallback.
    advance = deadline(utc(2026, 11, 10, 2), SPECS[R.ADVANCE_PAYMENT_60D], TZ)
    assert advance.due_at == utc(2027, 1, 11, 16)
    assert advance.provisional is True
    # 1 January 2027 (a Friday) is a working day under the provisional rule.
    assert next_working_day(datetime(2027, 1, 1).date()) == datetime(2027, 1, 1).date()


def test_a_running_clock_warns_then_breaches_and_a_met_one_is_on_time_or_late():
    plan = deadline(utc(2026, 6, 15, 2), SPECS[R.DECISION_30D], TZ)
    at = {"warn_at": plan.warn_at, "due_at": plan.due_at}
    assert running_state(**at, now=plan.warn_at - timedelta(seconds=1)) == ClockState.RUNNING
    assert running_state(**at, now=plan.warn_at) == ClockState.WARNING
    assert running_state(**at, now=plan.due_at) == ClockState.BREACHED
    assert next_check(**at, state=ClockState.RUNNING) == plan.warn_at
    assert next_check(**at, state=ClockState.WARNING) == plan.due_at
    assert next_check(**at, state=ClockState.BREACHED) is None
    assert met_state(plan.due_at, plan.due_at) == ClockState.MET
    assert met_state(plan.due_at + timedelta(seconds=1), plan.due_at) == ClockState.MET_LATE


def test_shorter_clocks_warn_a_third_of_their_period_before():
    assert SPECS[R.PAYMENT_10D].warn_days == 3
    assert SPECS[R.DENIAL_NOTICE_3D].warn_days == 1
    assert SPECS[R.ADVANCE_PAYMENT_60D].warn_days == 5


T0 = utc(2026, 6, 15, 2)


def facts(**changes: object) -> ClaimFacts:
    base: dict[str, object] = {
        "status": ClaimStatus.UNDER_REVIEW,
        "completed_at": T0,
        "decided_at": None,
        "denied_at": None,
        "paid_at": None,
        "withdrawn_at": None,
        "approved_amount": Decimal("0"),
        "paid_amount": Decimal("0"),
    }
    return ClaimFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_completion_starts_the_decision_and_advance_clocks_only():
    out = targets(facts())
    assert out[R.DECISION_30D] is not None and out[R.DECISION_30D].started_at == T0
    assert out[R.ADVANCE_PAYMENT_60D] is not None and out[R.ADVANCE_PAYMENT_60D].met_at is None
    assert out[R.PAYMENT_10D] is None and out[R.DENIAL_NOTICE_3D] is None
    assert all(t is None for t in targets(facts(completed_at=None)).values())


def test_approval_meets_the_decision_and_advance_clocks_and_starts_the_payment_clock():
    decided = T0 + timedelta(days=3)
    out = targets(
        facts(status=ClaimStatus.APPROVED, decided_at=decided, approved_amount=Decimal("100"))
    )
    assert out[R.DECISION_30D].met_at == decided  # type: ignore[union-attr]
    assert out[R.ADVANCE_PAYMENT_60D].met_at == decided  # type: ignore[union-attr]
    payment = out[R.PAYMENT_10D]
    assert payment is not None and payment.started_at == decided and payment.met_at is None
    paid = decided + timedelta(days=2)
    out = targets(
        facts(
            status=ClaimStatus.PAID,
            decided_at=decided,
            paid_at=paid,
            approved_amount=Decimal("100"),
            paid_amount=Decimal("100"),
        )
    )
    assert out[R.PAYMENT_10D].met_at == paid  # type: ignore[union-attr]


def test_a_partial_payment_does_not_meet_the_payment_clock():
    decided = T0 + timedelta(days=3)
    out = targets(
        facts(
            status=ClaimStatus.APPROVED,
            decided_at=decided,
            paid_at=decided + timedelta(days=1),
            approved_amount=Decimal("100"),
            paid_amount=Decimal("40"),
        )
    )
    assert out[R.PAYMENT_10D].met_at is None  # type: ignore[union-attr]


def test_denial_starts_the_notice_clock_met_by_the_sent_notice_and_cancels_the_advance():
    denied = T0 + timedelta(days=5)
    base = {"status": ClaimStatus.DENIED, "decided_at": denied, "denied_at": denied}
    out = targets(facts(**base))
    notice = out[R.DENIAL_NOTICE_3D]
    assert notice is not None and notice.started_at == denied and notice.met_at is None
    assert out[R.ADVANCE_PAYMENT_60D].cancelled  # type: ignore[union-attr]
    assert out[R.PAYMENT_10D] is None
    sent = denied + timedelta(minutes=1)
    assert targets(facts(**base, denial_notice_sent_at=sent))[R.DENIAL_NOTICE_3D].met_at == sent  # type: ignore[union-attr]


def test_an_advance_payment_meets_the_advance_clock_and_a_withdrawal_cancels_the_rest():
    advanced = T0 + timedelta(days=40)
    out = targets(facts(first_advance_at=advanced))
    assert out[R.ADVANCE_PAYMENT_60D].met_at == advanced  # type: ignore[union-attr]
    out = targets(facts(status=ClaimStatus.WITHDRAWN, withdrawn_at=T0 + timedelta(days=1)))
    assert out[R.DECISION_30D].cancelled and out[R.ADVANCE_PAYMENT_60D].cancelled  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"status": ClaimStatus.APPROVED}, InvalidTransition),
        ({"completed": False}, InvalidTransition),
        ({"assessed": False}, InvalidTransition),
        ({"amount": Decimal("500.01")}, ValidationFailed),
    ],
)
def test_an_advance_needs_an_undecided_complete_assessed_claim_and_a_determinable_amount(
    changes, error
):
    ok = {
        "status": ClaimStatus.ASSESSED,
        "completed": True,
        "assessed": True,
        "amount": Decimal("500"),
        "room": Decimal("500"),
    }
    check_advance(**ok)  # type: ignore[arg-type]
    with pytest.raises(error):
        check_advance(**{**ok, **changes})  # type: ignore[arg-type]
