"""Catastrophe mode: declare an event, load its claims in bulk, work them from a queue."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from claimdesk.api.deps import ActorDep, NowDep, SessionDep, SettingsDep
from claimdesk.api.texts import ReaderDep, intake_said
from claimdesk.catastrophe import service
from claimdesk.catastrophe.schemas import (
    MAX_ROWS_PER_REQUEST,
    BulkClaimIn,
    EventIn,
    EventOut,
    EventSummaryOut,
    IntakeOut,
    QueueItemOut,
)
from claimdesk.claims.enums import Channel
from claimdesk.core.errors import ValidationFailed

router = APIRouter(prefix="/catastrophes", tags=["catastrophes"])


@router.post("", response_model=EventOut, status_code=201)
def declare_event(data: EventIn, session: SessionDep, actor: ActorDep, now: NowDep) -> EventOut:
    event = service.declare_event(session, actor=actor, data=data, now=now)
    session.commit()
    return EventOut.model_validate(event)


@router.get("", response_model=list[EventOut])
def list_events(session: SessionDep, actor: ActorDep) -> list[EventOut]:
    return [EventOut.model_validate(e) for e in service.list_events(session, actor=actor)]


@router.get("/{event_id}", response_model=EventSummaryOut)
def get_event(event_id: int, session: SessionDep, actor: ActorDep) -> EventSummaryOut:
    """The event with its claims by lane and by status, and the amounts claimed, approved
    and paid."""
    return service.summary(session, actor=actor, event_id=event_id)


@router.post("/{event_id}/close", response_model=EventOut)
def close_event(event_id: int, session: SessionDep, actor: ActorDep, now: NowDep) -> EventOut:
    event = service.close_event(session, actor=actor, event_id=event_id, now=now)
    session.commit()
    return EventOut.model_validate(event)


@router.post("/{event_id}/claims", response_model=IntakeOut)
def bulk_intake(
    event_id: int,
    rows: Annotated[
        list[Any],
        Body(
            description=f"Up to {MAX_ROWS_PER_REQUEST} rows, each a "
            f"{BulkClaimIn.__name__}: {', '.join(BulkClaimIn.model_fields)}. Each row is "
            "checked on its own: a bad row is rejected with its reason, the others are taken."
        ),
    ],
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    t: ReaderDep,
    channel: Annotated[
        Channel, Query(description="Channel of rows that name none (staff intake).")
    ] = Channel.API,
) -> IntakeOut:
    """Report the rows as claims of the event; sending a row again creates nothing
    (its ``external_ref`` is the key within the event). A rejected row says why in
    ``text`` in the language Accept-Language asks for, in ``message`` as a message key and
    parameters, and in ``reason`` in English."""
    if len(rows) > MAX_ROWS_PER_REQUEST:
        raise ValidationFailed(
            f"{len(rows)} rows in one request; send at most {MAX_ROWS_PER_REQUEST} a request "
            "(split the file: rows already taken are answered 'already_present' if re-sent)."
        )
    results = service.intake(
        session,
        actor=actor,
        event_id=event_id,
        rows=enumerate(rows, start=1),
        channel=channel,
        now=now,
        settings=settings,
    )
    session.commit()
    report = service.intake_report(
        service.get_event(session, actor=actor, event_id=event_id), results
    )
    return intake_said(report, t)


@router.get("/{event_id}/queue", response_model=list[QueueItemOut])
def event_queue(
    event_id: int,
    session: SessionDep,
    actor: ActorDep,
    lane: str | None = None,
    include_done: Annotated[
        bool, Query(description="Also paid, denied, closed and withdrawn claims.")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[QueueItemOut]:
    """The event's claims in working order: priority (1 first), then the earliest report."""
    return service.queue(
        session,
        actor=actor,
        event_id=event_id,
        lane=lane,
        include_done=include_done,
        limit=limit,
        offset=offset,
    )
