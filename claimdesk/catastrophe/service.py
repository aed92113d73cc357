"""Catastrophe events: declare and close them, take their claims in bulk through the normal
intake, triage each claim into a lane with a priority, and serve the prioritised queue."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimdesk.catastrophe import triage as rules
from claimdesk.catastrophe.enums import EventStatus, Outcome
from claimdesk.catastrophe.models import CatastropheClaim, CatastropheEvent
from claimdesk.catastrophe.schemas import (
    BulkClaimIn,
    EventIn,
    EventOut,
    EventSummaryOut,
    IntakeOut,
    QueueItemOut,
    RowResult,
)
from claimdesk.claims import service as claims
from claimdesk.claims.enums import Channel
from claimdesk.claims.models import Claim, ClaimEvent
from claimdesk.claims.schemas import ClaimIn
from claimdesk.config import Settings
from claimdesk.core import messages
from claimdesk.core.clock import local_date
from claimdesk.core.errors import ClaimDeskError, Conflict, NotFound, ValidationFailed
from claimdesk.fraud import service as fraud
from claimdesk.fraud.enums import Grade, Route
from claimdesk.fraud.evidence import StoredDocuments
from claimdesk.policies.models import Policy
from claimdesk.security.permissions import require
from claimdesk.security.service import SYSTEM, Actor

# ---------------------------------------------------------------- events


def declare_event(
    session: Session, *, actor: Actor, data: EventIn, now: datetime
) -> CatastropheEvent:
    require(actor, "catastrophe.manage")
    if session.scalar(select(CatastropheEvent.id).where(CatastropheEvent.code == data.code)):
        raise Conflict(f"An event with the code {data.code} was already declared.")
    event = CatastropheEvent(
        **data.model_dump(),
        status=EventStatus.OPEN,
        declared_by_id=actor.user_id,
        declared_at=now,
    )
    session.add(event)
    session.flush()
    return event


def list_events(session: Session, *, actor: Actor) -> list[CatastropheEvent]:
    require(actor, "catastrophe.view")
    return list(session.scalars(select(CatastropheEvent).order_by(CatastropheEvent.id.desc())))


def get_event(session: Session, *, actor: Actor, event_id: int) -> CatastropheEvent:
    require(actor, "catastrophe.view")
    event = session.get(CatastropheEvent, event_id)
    if event is None:
        raise NotFound(f"Catastrophe event {event_id} does not exist.")
    return event


def event_by_code(session: Session, *, actor: Actor, code: str) -> CatastropheEvent:
    event_id = session.scalar(select(CatastropheEvent.id).where(CatastropheEvent.code == code))
    if event_id is None:
        raise NotFound(f"There is no catastrophe event with the code {code}.")
    return get_event(session, actor=actor, event_id=event_id)


def close_event(
    session: Session, *, actor: Actor, event_id: int, now: datetime
) -> CatastropheEvent:
    require(actor, "catastrophe.manage")
    event = get_event(session, actor=actor, event_id=event_id)
    if event.status == EventStatus.CLOSED:
        raise Conflict(f"Event {event.code} is already closed (since {event.closed_at:%Y-%m-%d}).")
    event.status = EventStatus.CLOSED
    event.closed_at = now
    event.closed_by_id = actor.user_id
    session.flush()
    return event


def summary(session: Session, *, actor: Actor, event_id: int) -> EventSummaryOut:
    """The event with its claims counted by lane and by status, and the money involved."""
    event = get_event(session, actor=actor, event_id=event_id)
    tagged = select(CatastropheClaim.claim_id).where(CatastropheClaim.event_id == event.id)
    by_lane = session.execute(
        select(CatastropheClaim.lane, func.count())
        .where(CatastropheClaim.event_id == event.id)
        .group_by(CatastropheClaim.lane)
    )
    by_status = session.execute(
        select(Claim.status, func.count()).where(Claim.id.in_(tagged)).group_by(Claim.status)
    )
    count, claimed, approved, paid = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Claim.claimed_amount), 0),
            func.coalesce(func.sum(Claim.approved_amount), 0),
            func.coalesce(func.sum(Claim.paid_amount), 0),
        ).where(Claim.id.in_(tagged))
    ).one()
    cents = Decimal("0.01")
    return EventSummaryOut.model_validate(
        {
            **EventOut.model_validate(event).model_dump(),
            "claims": count,
            "by_lane": dict(by_lane.all()),
            "by_status": dict(by_status.all()),
            "total_claimed": Decimal(claimed).quantize(cents),
            "total_approved": Decimal(approved).quantize(cents),
            "total_paid": Decimal(paid).quantize(cents),
        }
    )


# ---------------------------------------------------------------- triage


def _route(
    session: Session, claim: Claim, score: int, grade: Grade, settings: Settings
) -> tuple[Route, tuple[str, ...], tuple[str, ...]]:
    """The routing decision: as recorded when the claim was routed, else as the routing
    rules would decide now (whether or not routing is switched on)."""
    routed = session.scalars(
        select(ClaimEvent)
        .where(ClaimEvent.claim_id == claim.id, ClaimEvent.kind == fraud.ROUTED)
        .order_by(ClaimEvent.id.desc())
        .limit(1)
    ).one_or_none()
    if routed is not None:
        data = routed.data
        return Route(data["route"]), tuple(data["reasons_en"]), tuple(data["reasons_zh"])
    decision = fraud.routing_decision(session, claim, score=score, grade=grade, settings=settings)
    return decision.route, decision.reasons_en, decision.reasons_zh


def triage_facts(session: Session, claim: Claim, settings: Settings) -> rules.TriageFacts:
    assessment = fraud.latest(session, claim.id)
    grade = Grade(assessment.grade) if assessment else None
    score = assessment.score if assessment else None
    route, reasons_en, reasons_zh = (
        _route(session, claim, score, grade, settings)
        if score is not None and grade is not None  # both are there when assessed
        else (None, (), ())
    )
    return rules.TriageFacts(
        claim_type=claim.claim_type,
        claimed_amount=claim.claimed_amount,
        currency=claim.currency,
        status=claim.status,
        siu_referred=claim.siu_referred,
        grade=grade,
        score=score,
        route=route,
        route_reasons_en=reasons_en,
        route_reasons_zh=reasons_zh,
    )


def _apply_triage(
    session: Session, link: CatastropheClaim, claim: Claim, *, now: datetime, settings: Settings
) -> None:
    result = rules.triage(triage_facts(session, claim, settings))
    link.lane = result.lane
    link.priority = result.priority
    link.is_open = result.is_open
    link.reasons_en = list(result.reasons_en)
    link.reasons_zh = list(result.reasons_zh)
    link.triaged_at = now


def retriage(session: Session, *, claim_id: int, now: datetime, settings: Settings) -> bool:
    """Triage an event's claim again (after scoring, routing or a state change);
    False for a claim of no event."""
    link = session.scalars(
        select(CatastropheClaim).where(CatastropheClaim.claim_id == claim_id)
    ).one_or_none()
    if link is None:
        return False
    claim = claims.get_claim(session, actor=SYSTEM, claim_id=claim_id)
    _apply_triage(session, link, claim, now=now, settings=settings)
    session.flush()
    return True


# ---------------------------------------------------------------- bulk intake


def _digest(row: BulkClaimIn) -> str:
    payload = json.dumps(row.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# Pydantic's error types said by a text of the catalogue (``import.problem_<name>``).
_PROBLEMS = {
    "missing": "missing",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "too_short": "too_short",
    "too_long": "too_long",
}


class _Refused(ClaimDeskError):
    """A row the event cannot take: ``said`` is why, as a message key and parameters;
    the message (English) is the row's ``reason``, as the catalogue's English says it."""

    def __init__(self, english: str, said: dict[str, Any]) -> None:
        super().__init__(english)
        self.said = said


def _validation_reason(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'row'}: {error['msg']}"
        for error in exc.errors()
    )


def _validation_said(exc: ValidationError) -> dict[str, Any]:
    """Each field the row got wrong, by its name, and what is wrong with it."""
    return messages.message(
        "import.fields_invalid",
        problems=messages.each(
            *(
                messages.message(
                    "import.problem",
                    field=messages.code("import_field", str(error["loc"][0]))
                    if error["loc"]
                    else messages.message("import.the_row"),
                    problem=messages.message(
                        f"import.problem_{_PROBLEMS.get(error['type'], 'invalid')}"
                    ),
                )
                for error in exc.errors()
            )
        ),
    )


def _error_said(exc: ClaimDeskError) -> dict[str, Any]:
    """Why the row was refused: this module's own reason, or a service's refusal in the
    languages its error gives (its code's text stands in where it gives none)."""
    if isinstance(exc, _Refused):
        return exc.said
    return messages.message(
        "import.refused", error=messages.both(exc.message_in("zh-CN"), exc.message_in("en"))
    )


def _existing(
    session: Session, event: CatastropheEvent, line: int, row: BulkClaimIn, digest: str
) -> RowResult | None:
    found = session.execute(
        select(CatastropheClaim, Claim.number)
        .join(Claim, Claim.id == CatastropheClaim.claim_id)
        .where(
            CatastropheClaim.event_id == event.id,
            CatastropheClaim.external_ref == row.external_ref,
        )
    ).one_or_none()
    if found is None:
        return None
    link, number = found
    if link.request_digest != digest:
        return RowResult(
            line=line,
            external_ref=row.external_ref,
            outcome=Outcome.REJECTED,
            claim_id=link.claim_id,
            claim_number=number,
            reason=f"The external reference {row.external_ref} was already used in event "
            f"{event.code} for claim {number} with different content; use a new reference "
            "for a new claim.",
            message=messages.message(
                "import.ref_reused", ref=row.external_ref, event=event.code, claim=number
            ),
        )
    return RowResult(
        line=line,
        external_ref=row.external_ref,
        outcome=Outcome.ALREADY_PRESENT,
        claim_id=link.claim_id,
        claim_number=number,
        lane=link.lane,
        priority=link.priority,
    )


def _claim_in(
    session: Session, event: CatastropheEvent, row: BulkClaimIn, channel: Channel, tz: str
) -> ClaimIn:
    """The row as a normal claim report (raises what the caller answers as a rejection)."""
    policy_id = session.scalar(select(Policy.id).where(Policy.number == row.policy_number))
    if policy_id is None:
        raise _Refused(
            f"Policy {row.policy_number} does not exist.",
            messages.message("import.policy_unknown", policy=row.policy_number),
        )
    started_on = local_date(event.started_at, tz)
    if row.incident_date < started_on:
        raise _Refused(
            f"The incident date {row.incident_date} is before event {event.code} started "
            f"({started_on}); report it as an ordinary claim.",
            messages.message(
                "import.before_event",
                incident=str(row.incident_date),
                event=event.code,
                started=str(started_on),
            ),
        )
    amount = row.claimed_amount or sum((line.amount for line in row.loss_lines), Decimal("0"))
    if not amount:
        raise _Refused(
            "Give the claimed amount or itemised loss lines.",
            messages.message("import.amount_missing"),
        )
    return ClaimIn(
        policy_id=policy_id,
        claim_type=row.claim_type,
        incident_date=row.incident_date,
        incident_location=row.incident_location,
        description=row.description,
        claimed_amount=amount,
        currency=row.currency,
        loss_lines=row.loss_lines,
        channel=row.channel or channel,
        bank_account_id=row.bank_account_id,
        attributes=row.attributes,
    )


def _invalid(line: int, ref: str | None, exc: ValidationError) -> RowResult:
    return RowResult(
        line=line,
        external_ref=ref,
        outcome=Outcome.REJECTED,
        reason=_validation_reason(exc),
        message=_validation_said(exc),
    )


def _take_row(
    session: Session,
    *,
    actor: Actor,
    event: CatastropheEvent,
    line: int,
    raw: Any,
    channel: Channel,
    now: datetime,
    settings: Settings,
) -> RowResult:
    if not isinstance(raw, Mapping):
        return RowResult(
            line=line,
            external_ref=None,
            outcome=Outcome.REJECTED,
            reason="A row must be an object of named fields.",
            message=messages.message("import.row_not_object"),
        )
    ref = raw.get("external_ref")
    ref = str(ref) if ref not in (None, "") else None
    try:
        row = BulkClaimIn.model_validate(raw)
    except ValidationError as exc:
        return _invalid(line, ref, exc)
    digest = _digest(row)
    existing = _existing(session, event, line, row, digest)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            data = _claim_in(session, event, row, channel, settings.display_timezone)
            claim, _ = claims.report_claim(
                session, actor=actor, data=data, now=now, settings=settings
            )
            # Triage reads the risk score, which a report otherwise gets from a job after its
            # commit: a bulk intake is not waited on by a person, so it scores at once (the
            # job then finds the same score and adds nothing).
            fraud.assess_claim(
                session,
                claim_id=claim.id,
                now=now,
                settings=settings,
                evidence=StoredDocuments(),
                trigger="reported",
            )
            link = CatastropheClaim(
                event_id=event.id,
                claim_id=claim.id,
                external_ref=row.external_ref,
                request_digest=digest,
                reported_at=claim.reported_at,
            )
            _apply_triage(session, link, claim, now=now, settings=settings)
            session.add(link)
            session.flush()
    except ClaimDeskError as exc:
        return RowResult(
            line=line,
            external_ref=ref,
            outcome=Outcome.REJECTED,
            reason=exc.message,
            message=_error_said(exc),
        )
    except ValidationError as exc:
        return _invalid(line, ref, exc)
    except IntegrityError:  # the same row sent at the same time by another request
        return _existing(session, event, line, row, digest) or RowResult(
            line=line,
            external_ref=ref,
            outcome=Outcome.REJECTED,
            reason="The row conflicted with a concurrent change; send it again.",
            message=messages.message("import.concurrent"),
        )
    return RowResult(
        line=line,
        external_ref=ref,
        outcome=Outcome.CREATED,
        claim_id=claim.id,
        claim_number=claim.number,
        lane=link.lane,
        priority=link.priority,
    )


def intake(
    session: Session,
    *,
    actor: Actor,
    event_id: int,
    rows: Iterable[tuple[int, Any]],
    channel: Channel,
    now: datetime,
    settings: Settings,
) -> list[RowResult]:
    """Report each row (line number, fields) as a claim of the event through the normal
    intake; every row answers created, already present or rejected with the reason, and a
    bad row never undoes the others. The caller commits."""
    require(actor, "catastrophe.intake")
    event = get_event(session, actor=actor, event_id=event_id)
    if event.status != EventStatus.OPEN:
        raise Conflict(
            f"Event {event.code} was closed on {event.closed_at:%Y-%m-%d}; it takes no more "
            "claims. Report late claims as ordinary claims, or declare a new event."
        )
    return [
        _take_row(
            session,
            actor=actor,
            event=event,
            line=line,
            raw=raw,
            channel=channel,
            now=now,
            settings=settings,
        )
        for line, raw in rows
    ]


def intake_report(event: CatastropheEvent, results: list[RowResult]) -> IntakeOut:
    return IntakeOut(
        event=event.code,
        created=sum(r.outcome == Outcome.CREATED for r in results),
        already_present=sum(r.outcome == Outcome.ALREADY_PRESENT for r in results),
        rejected=sum(r.outcome == Outcome.REJECTED for r in results),
        rows=results,
    )


# ---------------------------------------------------------------- queue


def queue(
    session: Session,
    *,
    actor: Actor,
    event_id: int,
    lane: str | None = None,
    include_done: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[QueueItemOut]:
    """The event's claims in working order: priority (1 first), then the earliest report;
    open claims only unless ``include_done`` (read from the queue indexes)."""
    event = get_event(session, actor=actor, event_id=event_id)
    query = (
        select(CatastropheClaim, Claim)
        .join(Claim, Claim.id == CatastropheClaim.claim_id)
        .where(CatastropheClaim.event_id == event.id)
    )
    if lane is not None:
        lanes = [known.code for known in rules.config().lanes]
        if lane not in lanes:
            raise ValidationFailed(f"There is no lane '{lane}'; lanes: {', '.join(lanes)}.")
        query = query.where(CatastropheClaim.lane == lane)
    if not include_done:
        query = query.where(CatastropheClaim.is_open)
    query = query.order_by(
        CatastropheClaim.priority, CatastropheClaim.reported_at, CatastropheClaim.claim_id
    )
    return [
        QueueItemOut(
            claim_id=claim.id,
            claim_number=claim.number or "",
            external_ref=link.external_ref,
            status=claim.status,
            lane=link.lane,
            priority=link.priority,
            reasons_en=link.reasons_en,
            reasons_zh=link.reasons_zh,
            claim_type=claim.claim_type,
            claimed_amount=claim.claimed_amount,
            currency=claim.currency,
            reported_at=claim.reported_at,
            triaged_at=link.triaged_at,
        )
        for link, claim in session.execute(query.limit(limit).offset(offset))
    ]
