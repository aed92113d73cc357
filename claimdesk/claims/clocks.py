"""Statutory clocks in the database: kept in step with the claim, swept for warnings and
breaches, shown on the claim, in queues and in KPIs.

The rules (when a clock starts, is met, falls due) are in :mod:`claimdesk.claims.statutory`;
this module loads, applies and records. :func:`sync` runs after every claim transition and
advance payment; :func:`sweep` runs with the SLA sweep (every minute): it meets denial
notices the outbox has sent, warns the claim's handler when a clock enters its warning
window and escalates a breach to a supervisor, each on the claim's timeline (staff only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Result, bindparam, func, select
from sqlalchemy.orm import Session

from claimdesk.claims import rules as claim_rules
from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.models import Claim, ClaimEvent, StatutoryClock
from claimdesk.claims.schemas import StatutoryClockOut, StatutoryKpiOut
from claimdesk.claims.statutory import (
    ARTICLE,
    PROVISIONAL_RULE,
    STOPPED_STATES,
    ClaimFacts,
    ClockRule,
    ClockState,
    RuleSpec,
    Target,
    deadline,
    met_state,
    next_check,
    rule_specs,
    running_state,
    targets,
)
from claimdesk.config import Settings
from claimdesk.core.db import due_in_batches
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from claimdesk.support.models import OutboxMessage

ADVANCE_PAYMENT = "advance_payment"  # timeline kind of an advance payment (art. 25)
CLOCK_WARNING = "statutory_warning"  # timeline kinds of the sweep (staff only)
CLOCK_BREACHED = "statutory_breached"
DENIAL_TEMPLATE = "claim_denied"


def specs(settings: Settings) -> dict[ClockRule, RuleSpec]:
    return rule_specs(
        decision_days=settings.statutory_decision_days,
        payment_days=settings.statutory_payment_days,
        denial_notice_days=settings.statutory_denial_notice_days,
        advance_days=settings.statutory_advance_days,
        warning_days=settings.statutory_warning_days,
    )


# ---------------------------------------------------------------- facts


def _first_advance_at(session: Session, claim_id: int) -> datetime | None:
    return session.scalar(
        select(func.min(ClaimEvent.at)).where(
            ClaimEvent.claim_id == claim_id, ClaimEvent.kind == ADVANCE_PAYMENT
        )
    )


def denial_notice_sent_at(session: Session, claim_id: int, since: datetime) -> datetime | None:
    """When the customer's denial notice (alone or in a digest) left the outbox, if it did."""

    rows: Result[datetime | None, str, list[dict[str, Any]] | None] = session.execute(
        select(OutboxMessage.sent_at, OutboxMessage.template, OutboxMessage.parts)
        .where(
            OutboxMessage.claim_id == claim_id,
            OutboxMessage.state == "sent",
            OutboxMessage.sent_at >= since,
        )
        .order_by(OutboxMessage.sent_at)
    )
    for sent_at, template, parts in rows:
        if template == DENIAL_TEMPLATE or any(
            part.get("event") == DENIAL_TEMPLATE for part in parts or []
        ):
            return sent_at
    return None


def facts_of(session: Session, claim: Claim) -> ClaimFacts:
    return ClaimFacts(
        status=ClaimStatus(claim.status),
        completed_at=claim.completed_at,
        decided_at=claim.decided_at,
        denied_at=claim.denied_at,
        paid_at=claim.paid_at,
        withdrawn_at=claim.withdrawn_at,
        approved_amount=claim.approved_amount,
        paid_amount=claim.paid_amount,
        first_advance_at=_first_advance_at(session, claim.id),
        denial_notice_sent_at=(
            denial_notice_sent_at(session, claim.id, claim.denied_at)
            if claim.denied_at is not None
            else None
        ),
    )


# ---------------------------------------------------------------- keeping clocks in step


def _restart(clock: StatutoryClock, target: Target, spec: RuleSpec, timezone: str) -> None:
    plan = deadline(target.started_at, spec, timezone)
    clock.started_at, clock.warn_at, clock.due_at = plan.started_at, plan.warn_at, plan.due_at
    clock.provisional = plan.provisional
    clock.met_at = None
    clock.escalation_level = 0
    clock.state = ClockState.RUNNING
    clock.next_check_at = plan.warn_at


def _apply(clock: StatutoryClock, target: Target, now: datetime) -> None:
    if clock.state in STOPPED_STATES:
        return
    if target.met_at is not None:
        clock.met_at = target.met_at
        clock.state = met_state(target.met_at, clock.due_at)
        clock.next_check_at = None
    elif target.cancelled:
        clock.state = ClockState.CANCELLED
        clock.next_check_at = None


def sync(session: Session, *, claim: Claim, now: datetime, settings: Settings) -> None:
    """Start, restart, meet or cancel the claim's clocks as its facts say."""
    rules = specs(settings)
    existing = {
        ClockRule(c.rule): c
        for c in session.scalars(select(StatutoryClock).where(StatutoryClock.claim_id == claim.id))
    }
    for rule, target in targets(facts_of(session, claim)).items():
        clock = existing.get(rule)
        if target is None:
            # Documents requested again: the decision and advance periods start afresh once
            # the claim is complete again (a running clock is cancelled meanwhile).
            if (
                clock is not None
                and claim.completed_at is None
                and rule in (ClockRule.DECISION_30D, ClockRule.ADVANCE_PAYMENT_60D)
                and clock.state not in STOPPED_STATES
            ):
                clock.state = ClockState.CANCELLED
                clock.next_check_at = None
            continue
        if clock is None:
            clock = StatutoryClock(claim_id=claim.id, rule=rule)
            _restart(clock, target, rules[rule], settings.display_timezone)
            session.add(clock)
        elif clock.started_at != target.started_at or (
            clock.state == ClockState.CANCELLED and not target.cancelled
        ):  # a new period: complete again after a request for documents, re-decided
            _restart(clock, target, rules[rule], settings.display_timezone)
        _apply(clock, target, now)


# ---------------------------------------------------------------- views


def live_state(clock: StatutoryClock, now: datetime) -> ClockState:
    """The state right now (a running clock's stored state may wait for the next sweep)."""
    state = ClockState(clock.state)
    if state in STOPPED_STATES:
        return state
    return running_state(warn_at=clock.warn_at, due_at=clock.due_at, now=now)


def clock_view(clock: StatutoryClock, now: datetime) -> StatutoryClockOut:
    return StatutoryClockOut(
        rule=clock.rule,
        started_at=clock.started_at,
        due_at=clock.due_at,
        state=live_state(clock, now),
        met_at=clock.met_at,
        warn_at=clock.warn_at,
        article=ARTICLE[ClockRule(clock.rule)],
        provisional=clock.provisional,
        calendar_note=PROVISIONAL_RULE if clock.provisional else None,
    )


_LEGACY_STATES = {
    ClockState.RUNNING: "on_track",
    ClockState.WARNING: "due_soon",
    ClockState.BREACHED: "overdue",
    ClockState.MET: "met",
    ClockState.MET_LATE: "late",
    ClockState.CANCELLED: "not_started",
}


def legacy_statutory(clock: StatutoryClock, now: datetime) -> claim_rules.StatutoryClock:
    """The decision clock in the form of the claim view's older ``statutory`` block."""
    state = live_state(clock, now)
    open_ = state not in STOPPED_STATES
    return claim_rules.StatutoryClock(
        _LEGACY_STATES[state], clock.due_at, (clock.due_at - now).days if open_ else None
    )


_ORDER = {rule: i for i, rule in enumerate(ClockRule)}


def of_claims(session: Session, claim_ids: Iterable[int]) -> dict[int, list[StatutoryClock]]:
    ids = list(set(claim_ids))
    found: dict[int, list[StatutoryClock]] = defaultdict(list)
    if not ids:
        return found
    for clock in session.scalars(select(StatutoryClock).where(StatutoryClock.claim_id.in_(ids))):
        found[clock.claim_id].append(clock)
    for clocks in found.values():
        in_rule_order(clocks)
    return found


def in_rule_order(clocks: list[StatutoryClock]) -> list[StatutoryClock]:
    """Sort one claim's clocks as views show them (in place; returned for convenience)."""
    clocks.sort(key=lambda c: _ORDER.get(ClockRule(c.rule), 99))
    return clocks


_OF_CLAIM = select(StatutoryClock).where(StatutoryClock.claim_id == bindparam("claim_id"))


def of_claim(session: Session, claim_id: int) -> list[StatutoryClock]:
    """One claim's clocks, in rule order (the statement is built once: the status read
    asks on every request)."""
    return in_rule_order(list(session.scalars(_OF_CLAIM, {"claim_id": claim_id})))


def views(clocks: Sequence[StatutoryClock], now: datetime) -> list[StatutoryClockOut]:
    return [clock_view(c, now) for c in clocks]


def nearest_due(clocks: Sequence[StatutoryClock], now: datetime) -> StatutoryClockOut | None:
    """The clock still running that falls due first (queues show it), if any."""
    running = [c for c in clocks if ClockState(c.state) not in STOPPED_STATES]
    if not running:
        return None
    return clock_view(min(running, key=lambda c: c.due_at), now)


# ---------------------------------------------------------------- the sweep


@dataclass
class SweepResult:
    checked: int = 0
    warned: int = 0
    breached: int = 0
    escalated: int = 0
    notices_met: int = 0


def _system_event(
    session: Session, clock: StatutoryClock, now: datetime, kind: str, to: int | None
) -> None:
    session.add(
        ClaimEvent(
            claim_id=clock.claim_id,
            at=now,
            actor_id=None,
            actor_role="system",
            kind=kind,
            data={
                "rule": clock.rule,
                "due_at": clock.due_at.isoformat(),
                "to": to,
                "provisional": clock.provisional,
            },
        )
    )


def _meet_sent_denial_notices(session: Session, result: SweepResult) -> None:
    running = session.scalars(
        select(StatutoryClock).where(
            StatutoryClock.rule == ClockRule.DENIAL_NOTICE_3D,
            StatutoryClock.state.not_in([s.value for s in STOPPED_STATES]),
        )
    ).all()
    for clock in running:
        sent_at = denial_notice_sent_at(session, clock.claim_id, clock.started_at)
        if sent_at is not None:
            clock.met_at = sent_at
            clock.state = met_state(sent_at, clock.due_at)
            clock.next_check_at = None
            result.notices_met += 1


def sweep(session: Session, *, now: datetime, batch_size: int = 1000) -> SweepResult:
    """Meet sent denial notices, warn handlers of clocks in their warning window and
    escalate breaches to a supervisor; idempotent for one ``now`` (each clock's
    ``next_check_at`` moves past ``now`` or is cleared)."""
    result = SweepResult()
    _meet_sent_denial_notices(session, result)
    supervisor = session.scalar(
        select(func.min(User.id)).where(User.role == Role.SUPERVISOR, User.active.is_(True))
    )
    for due in due_in_batches(session, StatutoryClock, now=now, batch_size=batch_size):
        handlers = dict(
            session.execute(
                select(Claim.id, func.coalesce(Claim.assessor_id, Claim.approver_id)).where(
                    Claim.id.in_({c.claim_id for c in due})
                )
            ).all()
        )
        for clock in due:
            state = running_state(warn_at=clock.warn_at, due_at=clock.due_at, now=now)
            if state == ClockState.WARNING and clock.state == ClockState.RUNNING:
                to = handlers.get(clock.claim_id) or supervisor
                _system_event(session, clock, now, CLOCK_WARNING, to)
                result.warned += 1
            if state == ClockState.BREACHED and clock.escalation_level < 1:
                _system_event(session, clock, now, CLOCK_BREACHED, supervisor)
                clock.escalation_level = 1
                result.breached += 1
                result.escalated += 1
            clock.state = state
            clock.next_check_at = next_check(
                warn_at=clock.warn_at, due_at=clock.due_at, state=state
            )
            result.checked += 1
    return result


# ---------------------------------------------------------------- KPIs


def kpis(
    session: Session, *, now: datetime, started_within: tuple[datetime, datetime] | None = None
) -> list[StatutoryKpiOut]:
    """Per rule: clocks met on time, met late, breached (running past due counts), running,
    and the share met on time among those that ended (met, met late or breached); only
    clocks started in ``started_within`` [start, end) when given."""
    counts: dict[str, dict[str, int]] = {
        rule.value: {"clocks": 0, "met": 0, "met_late": 0, "breached": 0, "running": 0}
        for rule in ClockRule
    }
    overdue = (StatutoryClock.due_at <= now).label("overdue")
    period = (
        []
        if started_within is None
        else [
            StatutoryClock.started_at >= started_within[0],
            StatutoryClock.started_at < started_within[1],
        ]
    )
    rows = session.execute(
        select(StatutoryClock.rule, StatutoryClock.state, overdue, func.count(StatutoryClock.id))
        .where(StatutoryClock.state != ClockState.CANCELLED, *period)
        .group_by(StatutoryClock.rule, StatutoryClock.state, overdue)
    )
    for rule, state, is_overdue, n in rows:
        row = counts.setdefault(
            rule, {"clocks": 0, "met": 0, "met_late": 0, "breached": 0, "running": 0}
        )
        row["clocks"] += n
        if state == ClockState.MET:
            row["met"] += n
        elif state == ClockState.MET_LATE:
            row["met_late"] += n
        elif state == ClockState.BREACHED or is_overdue:
            row["breached"] += n
        else:
            row["running"] += n
    return [
        StatutoryKpiOut(
            rule=rule,
            **row,
            met_on_time=round(row["met"] / ended, 4)
            if (ended := row["met"] + row["met_late"] + row["breached"])
            else None,
        )
        for rule, row in counts.items()
    ]
