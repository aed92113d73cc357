"""SLA clocks in the database: start, pause, resume, stop, the sweep and the compliance report.

The arithmetic is in :mod:`claimdesk.support.sla`; this module loads, applies and records.
Every change of a clock is an :class:`SlaEvent`; warnings and escalations name the person
told (``recipient_id``), which is what their alert list shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claimdesk.core.db import due_in_batches
from claimdesk.core.errors import PermissionDenied
from claimdesk.core.events import publish
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support import sla
from claimdesk.support.enums import SlaState
from claimdesk.support.events import SlaBreached
from claimdesk.support.models import SlaClock, SlaEvent, Team, Ticket, TicketEvent
from claimdesk.support.schemas import ClockOut, SlaAlertOut, SlaComplianceRow


def start_clock(
    session: Session,
    *,
    target: sla.Target,
    config: sla.SlaConfig,
    now: datetime,
    team_id: int | None,
    ticket: Ticket | None = None,
    claim_id: int | None = None,
) -> SlaClock:
    clock = SlaClock(
        ticket=ticket,
        claim_id=claim_id,
        team_id=team_id,
        kind=target.kind,
        metric=target.metric,
        calendar=target.calendar,
        target_seconds=target.seconds,
        elapsed_seconds=0,
        started_at=now,
        running_since=now,
        state=SlaState.ON_TRACK,
        escalation_level=0,
    )
    _reschedule(clock, config)
    session.add(clock)
    _record(session, clock, now, "started", to_state=SlaState.ON_TRACK)
    return clock


def _plan(clock: SlaClock) -> sla.Schedule:
    assert clock.warn_at and clock.due_at and clock.supervisor_at
    return sla.Schedule(clock.warn_at, clock.due_at, clock.supervisor_at)


def _reschedule(clock: SlaClock, config: sla.SlaConfig) -> None:
    assert clock.running_since is not None
    plan = sla.schedule(
        config.calendars[clock.calendar],
        running_since=clock.running_since,
        target_seconds=clock.target_seconds,
        elapsed_seconds=clock.elapsed_seconds,
        warn_at=config.warn_at,
        supervisor_after=config.supervisor_after,
    )
    clock.warn_at, clock.due_at, clock.supervisor_at = plan.warn_at, plan.due_at, plan.supervisor_at
    clock.next_check_at = sla.next_check(
        plan, state=SlaState(clock.state), level=clock.escalation_level
    )


def _record(
    session: Session,
    clock: SlaClock,
    now: datetime,
    kind: str,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    recipient_id: int | None = None,
) -> None:
    # By id once the clock is stored: going through the relationship would load its events.
    link = {"clock_id": clock.id} if clock.id is not None else {"clock": clock}
    session.add(
        SlaEvent(
            **link,
            at=now,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            recipient_id=recipient_id,
        )
    )


def _change_state(
    session: Session,
    clock: SlaClock,
    state: SlaState,
    now: datetime,
    recipient_id: int | None = None,
) -> None:
    if clock.state != state:
        _record(
            session,
            clock,
            now,
            state,
            from_state=clock.state,
            to_state=state,
            recipient_id=recipient_id,
        )
        clock.state = state
        if state == SlaState.BREACHED:
            if clock.id is None:
                session.flush()  # a new clock needs its id for the event
            publish(
                session,
                SlaBreached(
                    clock_id=clock.id,
                    metric=clock.metric,
                    kind=clock.kind,
                    ticket_id=clock.ticket_id,
                    claim_id=clock.claim_id,
                    at=now,
                ),
            )


def live_state(clock: SlaClock, now: datetime) -> SlaState:
    """The state right now (the stored one may wait for the next sweep)."""
    if clock.running_since is None:
        return SlaState(clock.state)
    return sla.state_at(_plan(clock), now)


def pause(
    session: Session, clocks: Iterable[SlaClock], *, config: sla.SlaConfig, now: datetime
) -> None:
    for clock in clocks:
        if clock.running_since is None:
            continue
        _change_state(session, clock, live_state(clock, now), now)
        hours = config.calendars[clock.calendar]
        clock.elapsed_seconds += hours.seconds_between(clock.running_since, now)
        clock.running_since = None
        clock.warn_at = clock.due_at = clock.supervisor_at = clock.next_check_at = None
        _record(session, clock, now, "paused", from_state=clock.state)


def resume(
    session: Session, clocks: Iterable[SlaClock], *, config: sla.SlaConfig, now: datetime
) -> None:
    """Run paused clocks again from the open time they had used."""
    for clock in clocks:
        if not clock.paused:
            continue
        clock.running_since = now
        _reschedule(clock, config)
        _record(session, clock, now, "resumed", from_state=clock.state)
        _change_state(session, clock, sla.state_at(_plan(clock), now), now)


def restart(session: Session, clock: SlaClock, *, config: sla.SlaConfig, now: datetime) -> None:
    """Run a stopped clock again from where it stopped (a reopened ticket)."""
    if clock.stopped_at is None:
        return
    clock.stopped_at = None
    clock.running_since = now
    _reschedule(clock, config)
    _record(session, clock, now, "restarted", from_state=clock.state)
    _change_state(session, clock, sla.state_at(_plan(clock), now), now)


def stop(
    session: Session,
    clocks: Iterable[SlaClock],
    *,
    config: sla.SlaConfig,
    now: datetime,
    cancel: bool = False,
) -> None:
    """Stop clocks whose work is done: met (or breached if late); ``cancel`` when moot."""
    for clock in clocks:
        if clock.stopped_at is not None:
            continue
        current = live_state(clock, now)
        if clock.running_since is not None:
            hours = config.calendars[clock.calendar]
            clock.elapsed_seconds += hours.seconds_between(clock.running_since, now)
        _change_state(session, clock, current, now)
        clock.stopped_at = now
        clock.running_since = None
        clock.next_check_at = None
        final = SlaState.CANCELLED if cancel else sla.stopped_state(current)
        _change_state(session, clock, final, now)


def clock_view(clock: SlaClock, now: datetime) -> ClockOut:
    return ClockOut(
        metric=clock.metric,
        calendar=clock.calendar,
        target_minutes=clock.target_seconds // 60,
        state=live_state(clock, now),
        paused=clock.paused,
        started_at=clock.started_at,
        warn_at=clock.warn_at,
        due_at=clock.due_at,
        stopped_at=clock.stopped_at,
        escalation_level=clock.escalation_level,
    )


# ---------------------------------------------------------------- the sweep


@dataclass
class SweepResult:
    checked: int = 0
    warned: int = 0
    breached: int = 0
    escalated: int = 0


class _Recipients:
    """Owners, leads and supervisors of the clocks in one batch, loaded in bulk."""

    def __init__(self, session: Session, clocks: list[SlaClock]) -> None:
        ticket_ids = {c.ticket_id for c in clocks if c.ticket_id is not None}
        team_ids = {c.team_id for c in clocks if c.team_id is not None}
        self.owners: dict[int, int | None] = dict(
            session.execute(
                select(Ticket.id, Ticket.owner_id).where(Ticket.id.in_(ticket_ids))
            ).all()
        )
        self.teams: dict[int, tuple[int | None, int | None]] = {
            row.id: (row.lead_id, row.supervisor_id)
            for row in session.execute(
                select(Team.id, Team.lead_id, Team.supervisor_id).where(Team.id.in_(team_ids))
            )
        }
        self.default_supervisor = session.scalar(
            select(func.min(User.id)).where(User.role == Role.SUPERVISOR, User.active.is_(True))
        )

    def lead(self, clock: SlaClock) -> int | None:
        lead, _ = self.teams.get(clock.team_id or 0, (None, None))
        return lead

    def supervisor(self, clock: SlaClock) -> int | None:
        _, supervisor = self.teams.get(clock.team_id or 0, (None, None))
        return supervisor or self.default_supervisor

    def owner(self, clock: SlaClock) -> int | None:
        return self.owners.get(clock.ticket_id or 0) or self.lead(clock)


def _advance(
    session: Session, clock: SlaClock, now: datetime, who: _Recipients, result: SweepResult
) -> None:
    plan = _plan(clock)
    state = sla.state_at(plan, now)
    if state != clock.state:
        warned = state == SlaState.AT_RISK
        _change_state(session, clock, state, now, who.owner(clock) if warned else None)
        result.warned += warned
        result.breached += state == SlaState.BREACHED
    level = sla.escalation_level(plan, now)
    for step in range(clock.escalation_level + 1, level + 1):
        recipient = who.lead(clock) if step == 1 else who.supervisor(clock)
        _record(session, clock, now, f"escalated_{step}", to_state=state, recipient_id=recipient)
        if clock.ticket_id is not None:
            session.add(
                TicketEvent(
                    ticket_id=clock.ticket_id,
                    at=now,
                    actor_id=None,
                    actor_role="system",
                    kind="sla_escalated",
                    data={"metric": clock.metric, "level": step, "to": recipient},
                )
            )
        result.escalated += 1
    clock.escalation_level = max(clock.escalation_level, level)
    clock.next_check_at = sla.next_check(plan, state=state, level=clock.escalation_level)
    result.checked += 1


def sweep(session: Session, *, now: datetime, batch_size: int = 1000) -> SweepResult:
    """Warn owners of clocks at risk and escalate breached ones; idempotent for one ``now``.

    Reads only clocks whose ``next_check_at`` has come, and moves each one's
    ``next_check_at`` past ``now`` (or clears it), so a second run finds nothing to do.
    """
    result = SweepResult()
    for clocks in due_in_batches(session, SlaClock, now=now, batch_size=batch_size):
        who = _Recipients(session, clocks)
        for clock in clocks:
            _advance(session, clock, now, who, result)
    return result


# ---------------------------------------------------------------- reports


def compliance(
    session: Session, *, now: datetime, actor: Actor | None = None
) -> list[SlaComplianceRow]:
    """SLA compliance by team and kind: clocks met, breached and still running.

    A running clock counts as breached once it is past due, even before the sweep saw it.
    ``actor``: a user asking (their permission is checked); None for the system's own
    reports (the compliance audit report, which checks its reader itself).
    """
    if actor is not None:
        require(actor, "support.reports")
    counts: dict[tuple[str | None, str, str], dict[str, int]] = defaultdict(
        lambda: {"clocks": 0, "met": 0, "breached": 0, "running": 0}
    )
    overdue = (SlaClock.stopped_at.is_(None) & (SlaClock.due_at <= now)).label("overdue")
    rows = session.execute(
        select(
            Team.code,
            SlaClock.kind,
            SlaClock.metric,
            SlaClock.state,
            overdue,
            func.count(SlaClock.id),
        )
        .outerjoin(Team, Team.id == SlaClock.team_id)
        .where(SlaClock.state != SlaState.CANCELLED)
        .group_by(Team.code, SlaClock.kind, SlaClock.metric, SlaClock.state, overdue)
    )
    for team, kind, metric, state, is_overdue, n in rows:
        row = counts[(team, kind, metric)]
        row["clocks"] += n
        if state == SlaState.MET:
            row["met"] += n
        elif state == SlaState.BREACHED or is_overdue:
            row["breached"] += n
        else:
            row["running"] += n
    return [
        SlaComplianceRow(
            team=team,
            kind=kind,
            metric=metric,
            **row,
            compliance=round(row["met"] / ended, 4)
            if (ended := row["met"] + row["breached"])
            else None,
        )
        for (team, kind, metric), row in sorted(counts.items(), key=lambda i: tuple(map(str, i[0])))
    ]


def _alert(
    event: SlaEvent, metric: str, ticket_id: int | None, claim_id: int | None
) -> SlaAlertOut:
    return SlaAlertOut(
        id=event.id,
        at=event.at,
        kind=event.kind,
        to_state=event.to_state,
        clock_metric=metric,
        ticket_id=ticket_id,
        claim_id=claim_id,
    )


# The changes of a clock's state a ticket's history shows (escalations are ticket events).
HISTORY_STATES = (SlaState.AT_RISK, SlaState.BREACHED, SlaState.MET)


def ticket_state_changes(session: Session, *, ticket_id: int) -> list[SlaAlertOut]:
    """When the ticket's clocks went at risk, were breached or were met, oldest first (the
    caller has checked the ticket is the reader's to see)."""
    rows = session.execute(
        select(SlaEvent, SlaClock.metric)
        .join(SlaClock, SlaClock.id == SlaEvent.clock_id)
        .where(SlaClock.ticket_id == ticket_id, SlaEvent.kind.in_(HISTORY_STATES))
        .order_by(SlaEvent.id)
    )
    return [_alert(event, metric, ticket_id, None) for event, metric in rows]


def alerts(session: Session, *, actor: Actor, limit: int = 100) -> list[SlaAlertOut]:
    """Warnings and escalations sent to this member of staff, newest first."""
    if actor.is_customer or actor.user_id is None:
        raise PermissionDenied("SLA alerts are for staff.")
    user_id = actor.user_id
    rows = session.execute(
        select(SlaEvent, SlaClock.metric, SlaClock.ticket_id, SlaClock.claim_id)
        .join(SlaClock, SlaClock.id == SlaEvent.clock_id)
        .where(SlaEvent.recipient_id == user_id)
        .order_by(SlaEvent.id.desc())
        .limit(limit)
    )
    return [
        _alert(event, metric, ticket_id, claim_id) for event, metric, ticket_id, claim_id in rows
    ]
