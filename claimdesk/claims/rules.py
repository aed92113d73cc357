"""Pure business rules of a claim decision: authority, four-eyes, statutory clock, cycle time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from claimdesk.claims.enums import ClaimStatus
from claimdesk.core.calendar import working_days_between
from claimdesk.core.clock import local_date
from claimdesk.core.errors import PermissionDenied
from claimdesk.security.enums import Role


def check_authority(role: Role, amount: Decimal, limits: Mapping[str, Decimal | None]) -> None:
    """Refuse an approval above the role's limit (a missing role has no authority at all)."""
    if role not in limits:
        raise PermissionDenied(f"The role '{role}' has no authority to approve claims.")
    limit = limits[role]
    if limit is not None and amount > limit:
        raise PermissionDenied(
            f"Approving {amount:,.2f} exceeds the '{role}' authority limit of {limit:,.2f}; "
            "refer the claim to a colleague with higher authority."
        )


def check_four_eyes(approver_id: int | None, assessor_id: int | None) -> None:
    if approver_id is not None and approver_id == assessor_id:
        raise PermissionDenied(
            "Four-eyes rule: you assessed this claim, so another person must approve it."
        )


def decision_status(payable: Decimal, claimed: Decimal) -> ClaimStatus:
    return ClaimStatus.APPROVED if payable >= claimed else ClaimStatus.PARTIALLY_APPROVED


@dataclass(frozen=True)
class StatutoryClock:
    """Insurance Law: decide within N days of the claim becoming complete."""

    state: str  # not_started, on_track, due_soon, overdue, met, late
    due_at: datetime | None
    days_left: int | None


def statutory_clock(
    *,
    completed_at: datetime | None,
    decided_at: datetime | None,
    now: datetime,
    decision_days: int,
    warning_days: int,
) -> StatutoryClock:
    if completed_at is None:
        return StatutoryClock("not_started", None, None)
    due_at = completed_at + timedelta(days=decision_days)
    if decided_at is not None and decided_at >= completed_at:
        return StatutoryClock("met" if decided_at <= due_at else "late", due_at, None)
    days_left = (due_at - now).days
    if now > due_at:
        state = "overdue"
    elif due_at - now <= timedelta(days=warning_days):
        state = "due_soon"
    else:
        state = "on_track"
    return StatutoryClock(state, due_at, days_left)


def cycle_working_days(reported_at: datetime, until: datetime, timezone: str) -> int:
    """Working days from report to ``until`` (close, or now for an open claim)."""
    return working_days_between(local_date(reported_at, timezone), local_date(until, timezone))
