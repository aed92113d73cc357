from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.rules import (
    check_authority,
    check_four_eyes,
    cycle_working_days,
    decision_status,
    statutory_clock,
)
from claimdesk.core.errors import PermissionDenied

LIMITS = {"adjuster": Decimal("10000"), "senior_adjuster": Decimal("100000"), "supervisor": None}
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_authority_allows_up_to_and_including_the_limit():
    check_authority("adjuster", Decimal("10000.00"), LIMITS)
    with pytest.raises(PermissionDenied, match=r"10,000\.00"):
        check_authority("adjuster", Decimal("10000.01"), LIMITS)


def test_supervisor_has_no_limit_and_unknown_roles_have_no_authority():
    check_authority("supervisor", Decimal("99999999"), LIMITS)
    with pytest.raises(PermissionDenied, match="no authority"):
        check_authority("agent", Decimal("1"), LIMITS)


def test_four_eyes_refuses_the_assessor_only():
    check_four_eyes(approver_id=2, assessor_id=1)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        check_four_eyes(approver_id=1, assessor_id=1)


def test_decision_status_is_partial_below_the_claimed_amount():
    assert decision_status(Decimal("10"), Decimal("10")) == ClaimStatus.APPROVED
    assert decision_status(Decimal("9.99"), Decimal("10")) == ClaimStatus.PARTIALLY_APPROVED


def clock_at(now, decided=None):
    return statutory_clock(
        completed_at=T0, decided_at=decided, now=now, decision_days=30, warning_days=5
    )


def test_statutory_clock_runs_30_days_from_completion_and_warns_before():
    assert clock_at(T0 + timedelta(days=10)).state == "on_track"
    assert clock_at(T0 + timedelta(days=10)).due_at == T0 + timedelta(days=30)
    assert clock_at(T0 + timedelta(days=26)).state == "due_soon"
    assert clock_at(T0 + timedelta(days=31)).state == "overdue"
    assert clock_at(T0 + timedelta(days=40), decided=T0 + timedelta(days=29)).state == "met"
    assert clock_at(T0 + timedelta(days=40), decided=T0 + timedelta(days=35)).state == "late"


def test_statutory_clock_has_not_started_before_the_claim_is_complete():
    state = statutory_clock(
        completed_at=None, decided_at=None, now=T0, decision_days=30, warning_days=5
    )
    assert state.state == "not_started"
    assert state.due_at is None


def test_cycle_time_uses_the_display_time_zone():
    reported = datetime(2026, 6, 12, 17, 0, tzinfo=UTC)  # Sat 01:00 in Shanghai
    closed = datetime(2026, 6, 16, 1, 0, tzinfo=UTC)  # Tue 09:00
    assert cycle_working_days(reported, closed, "Asia/Shanghai") == 2
