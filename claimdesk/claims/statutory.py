"""Statutory clocks of the PRC Insurance Law (pure rules).

Four clocks, each started and stopped by facts on the claim:

- ``decision_30d`` (art. 23): decide within 30 days of the claim becoming complete.
- ``payment_10d`` (art. 23): pay within 10 days of the approved (agreed) amount.
- ``denial_notice_3d`` (art. 24): send the denial notice with reasons within 3 days of the
  denial decision. The notice counts as sent when the customer's ``claim_denied`` message
  (alone or in a digest) left the outbox (state ``sent``): the moment the insurer handed it
  to the channel, not the moment it was written.
- ``advance_payment_60d`` (art. 25): when the full amount cannot be settled within 60 days
  of receiving the documents, advance the amount already determinable. Met by an advance
  payment or by a decision on the amount within the period; moot (cancelled) when the
  claim is denied or withdrawn.

Counting follows the Civil Code (arts. 201, 203): a period in days starts the day after
the event, ends at 24:00 local time on its last day, and a last day that is a public
holiday or weekend moves to the next working day on the business calendar
(:mod:`claimdesk.core.calendar`). For a year the holiday package does not know yet the
calendar falls back to Monday-Friday; a clock whose period touches such a year is marked
``provisional`` (the due time may move once the State Council publishes the year).

States: ``running``, ``warning`` (inside the warning window), ``breached`` (past due,
not met), ``met``, ``met_late`` (met after the due time), ``cancelled`` (moot: withdrawn,
denied, or restarted because documents were requested again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from claimdesk.claims.enums import ClaimStatus
from claimdesk.core.calendar import calendar_known, next_working_day
from claimdesk.support import sla
from claimdesk.support.enums import SlaState

PROVISIONAL_RULE = "weekends_only"  # Monday-Friday count as working days, no holidays


class ClockRule(StrEnum):
    DECISION_30D = "decision_30d"
    PAYMENT_10D = "payment_10d"
    DENIAL_NOTICE_3D = "denial_notice_3d"
    ADVANCE_PAYMENT_60D = "advance_payment_60d"


class ClockState(StrEnum):
    RUNNING = "running"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
    MET_LATE = "met_late"
    CANCELLED = "cancelled"


STOPPED_STATES = frozenset({ClockState.MET, ClockState.MET_LATE, ClockState.CANCELLED})
ARTICLE = {
    ClockRule.DECISION_30D: 23,
    ClockRule.PAYMENT_10D: 23,
    ClockRule.DENIAL_NOTICE_3D: 24,
    ClockRule.ADVANCE_PAYMENT_60D: 25,
}


@dataclass(frozen=True)
class RuleSpec:
    rule: ClockRule
    days: int
    warn_days: int  # the warning starts this many days before the due time


def rule_specs(
    *,
    decision_days: int,
    payment_days: int,
    denial_notice_days: int,
    advance_days: int,
    warning_days: int,
) -> dict[ClockRule, RuleSpec]:
    """The decision clock warns ``warning_days`` before its due time; shorter clocks warn a
    third of their period before (at least one day, at most ``warning_days``)."""

    def warn(days: int) -> int:
        return min(warning_days, max(1, days // 3))

    return {
        ClockRule.DECISION_30D: RuleSpec(ClockRule.DECISION_30D, decision_days, warning_days),
        ClockRule.PAYMENT_10D: RuleSpec(ClockRule.PAYMENT_10D, payment_days, warn(payment_days)),
        ClockRule.DENIAL_NOTICE_3D: RuleSpec(
            ClockRule.DENIAL_NOTICE_3D, denial_notice_days, warn(denial_notice_days)
        ),
        ClockRule.ADVANCE_PAYMENT_60D: RuleSpec(
            ClockRule.ADVANCE_PAYMENT_60D, advance_days, warn(advance_days)
        ),
    }


@dataclass(frozen=True)
class Deadline:
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    provisional: bool  # the period touches a year the holiday package does not know


def _years_known(first: date, last: date) -> bool:
    return all(calendar_known(date(year, 1, 1)) for year in range(first.year, last.year + 1))


def deadline(started_at: datetime, spec: RuleSpec, timezone: str) -> Deadline:
    """When a clock started at ``started_at`` warns and falls due (UTC)."""
    zone = ZoneInfo(timezone)
    first = started_at.astimezone(zone).date()
    last = next_working_day(first + timedelta(days=spec.days))
    due_at = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    warn_at = max(started_at, due_at - timedelta(days=spec.warn_days))
    return Deadline(started_at, warn_at, due_at, not _years_known(first, last))


def running_state(*, warn_at: datetime, due_at: datetime, now: datetime) -> ClockState:
    """A running clock's state at ``now`` (the SLA clocks' arithmetic, warn then breach)."""
    state = sla.state_at(sla.Schedule(warn_at, due_at, due_at), now)
    return {
        SlaState.ON_TRACK: ClockState.RUNNING,
        SlaState.AT_RISK: ClockState.WARNING,
    }.get(state, ClockState.BREACHED)


def next_check(*, warn_at: datetime, due_at: datetime, state: ClockState) -> datetime | None:
    """The next moment the sweep has something to do for the clock (warn, breach), if any."""
    if state == ClockState.RUNNING:
        return warn_at
    if state == ClockState.WARNING:
        return due_at
    return None


def met_state(met_at: datetime, due_at: datetime) -> ClockState:
    return ClockState.MET if met_at <= due_at else ClockState.MET_LATE


# ---------------------------------------------------------------- what the claim says


@dataclass(frozen=True)
class ClaimFacts:
    """The facts on a claim that start and stop its statutory clocks."""

    status: ClaimStatus
    completed_at: datetime | None
    decided_at: datetime | None
    denied_at: datetime | None
    paid_at: datetime | None
    withdrawn_at: datetime | None
    approved_amount: Decimal
    paid_amount: Decimal
    first_advance_at: datetime | None = None
    denial_notice_sent_at: datetime | None = None


@dataclass(frozen=True)
class Target:
    """What a clock should be: started when; met or cancelled when (None: still running)."""

    rule: ClockRule
    started_at: datetime
    met_at: datetime | None = None
    cancelled: bool = False


_AFTER_APPROVAL = frozenset(
    {
        ClaimStatus.APPROVED,
        ClaimStatus.PARTIALLY_APPROVED,
        ClaimStatus.PAID,
        ClaimStatus.CLOSED,
        ClaimStatus.ARCHIVED,
    }
)
_AFTER_DENIAL = frozenset({ClaimStatus.DENIED, ClaimStatus.CLOSED, ClaimStatus.ARCHIVED})


def _on_or_after(at: datetime | None, start: datetime) -> datetime | None:
    return at if at is not None and at >= start else None


def _denied(f: ClaimFacts) -> bool:
    return f.status in _AFTER_DENIAL and f.denied_at is not None and f.decided_at == f.denied_at


def _approved(f: ClaimFacts) -> bool:
    return (
        f.status in _AFTER_APPROVAL
        and f.decided_at is not None
        and f.approved_amount > 0
        and not _denied(f)
    )


def targets(f: ClaimFacts) -> dict[ClockRule, Target | None]:
    """Each rule's target from the claim's facts; None where the facts say nothing (the
    clock, if any, keeps what it has)."""
    out: dict[ClockRule, Target | None] = dict.fromkeys(ClockRule)
    withdrawn = f.status == ClaimStatus.WITHDRAWN
    if f.completed_at is not None:
        start = f.completed_at
        decided = _on_or_after(f.decided_at, start)
        out[ClockRule.DECISION_30D] = Target(
            ClockRule.DECISION_30D, start, decided, cancelled=withdrawn and decided is None
        )
        amount_known = decided if _approved(f) else None
        advanced = _on_or_after(f.first_advance_at, start)
        met = min((t for t in (advanced, amount_known) if t is not None), default=None)
        out[ClockRule.ADVANCE_PAYMENT_60D] = Target(
            ClockRule.ADVANCE_PAYMENT_60D,
            start,
            met,
            cancelled=met is None and (withdrawn or _denied(f)),
        )
    if _approved(f):
        assert f.decided_at is not None
        settled = f.paid_amount >= f.approved_amount
        out[ClockRule.PAYMENT_10D] = Target(
            ClockRule.PAYMENT_10D,
            f.decided_at,
            _on_or_after(f.paid_at, f.decided_at) if settled else None,
        )
    if _denied(f):
        assert f.denied_at is not None
        out[ClockRule.DENIAL_NOTICE_3D] = Target(
            ClockRule.DENIAL_NOTICE_3D,
            f.denied_at,
            _on_or_after(f.denial_notice_sent_at, f.denied_at),
        )
    return out
