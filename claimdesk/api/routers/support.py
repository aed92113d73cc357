"""Service desk: tickets, teams, SLA reports, disputes and satisfaction surveys."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from claimdesk.api.deps import ActorDep, NowDep, SessionDep, SettingsDep
from claimdesk.api.texts import ReaderDep, ticket_said
from claimdesk.security.service import Actor
from claimdesk.support import clocks, disputes, service, surveys
from claimdesk.support.enums import TicketStatus
from claimdesk.support.models import Ticket
from claimdesk.support.schemas import (
    AssignIn,
    ComplaintUpdateIn,
    CsatRow,
    DisputeIn,
    DisputeOut,
    DisputeStepIn,
    MessageIn,
    SlaAlertOut,
    SlaComplianceRow,
    SurveyOut,
    SurveyResponseIn,
    TeamIn,
    TeamOut,
    TicketIn,
    TicketOut,
    TicketTransitionIn,
)
from claimdesk.web.i18n import Translator

router = APIRouter(tags=["support"])


def _ticket_out(
    session: Session, ticket: Ticket, actor: Actor, now: datetime, reader: Translator
) -> TicketOut:
    """The ticket as the caller may see it, its history said in their language."""
    return ticket_said(service.ticket_view(session, ticket, actor=actor, now=now), reader)


@router.post("/tickets", response_model=TicketOut, status_code=201)
def create_ticket(
    data: TicketIn, session: SessionDep, actor: ActorDep, now: NowDep, reader: ReaderDep
) -> TicketOut:
    ticket = service.create_ticket(session, actor=actor, data=data, now=now)
    session.commit()
    return _ticket_out(session, ticket, actor, now, reader)


@router.get("/tickets", response_model=list[TicketOut])
def list_tickets(
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    status: TicketStatus | None = None,
    kind: str | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TicketOut]:
    tickets = service.list_tickets(
        session,
        actor=actor,
        status=status,
        kind=kind,
        owner_id=owner_id,
        team_id=team_id,
        limit=limit,
        offset=offset,
    )
    return [service.ticket_view(session, t, actor=actor, now=now) for t in tickets]


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(
    ticket_id: int, session: SessionDep, actor: ActorDep, now: NowDep, reader: ReaderDep
) -> TicketOut:
    ticket = service.get_ticket(session, actor=actor, ticket_id=ticket_id)
    return _ticket_out(session, ticket, actor, now, reader)


@router.post("/tickets/{ticket_id}/messages", response_model=TicketOut, status_code=201)
def add_message(
    ticket_id: int,
    data: MessageIn,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    reader: ReaderDep,
) -> TicketOut:
    service.add_message(session, actor=actor, ticket_id=ticket_id, data=data, now=now)
    session.commit()
    ticket = service.get_ticket(session, actor=actor, ticket_id=ticket_id)
    return _ticket_out(session, ticket, actor, now, reader)


@router.post("/tickets/{ticket_id}/transitions", response_model=TicketOut)
def transition_ticket(
    ticket_id: int,
    command: TicketTransitionIn,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    reader: ReaderDep,
) -> TicketOut:
    ticket = service.transition_ticket(
        session, actor=actor, ticket_id=ticket_id, command=command, now=now
    )
    session.commit()
    return _ticket_out(session, ticket, actor, now, reader)


@router.post("/tickets/{ticket_id}/assign", response_model=TicketOut)
def assign_ticket(
    ticket_id: int,
    data: AssignIn,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    reader: ReaderDep,
) -> TicketOut:
    ticket = service.assign_ticket(
        session,
        actor=actor,
        ticket_id=ticket_id,
        owner_id=data.owner_id,
        reason=data.reason,
        now=now,
    )
    session.commit()
    return _ticket_out(session, ticket, actor, now, reader)


@router.patch("/tickets/{ticket_id}/complaint", response_model=TicketOut)
def update_complaint(
    ticket_id: int,
    data: ComplaintUpdateIn,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    reader: ReaderDep,
) -> TicketOut:
    ticket = service.update_complaint(session, actor=actor, ticket_id=ticket_id, data=data, now=now)
    session.commit()
    return _ticket_out(session, ticket, actor, now, reader)


@router.post("/teams", response_model=TeamOut, status_code=201)
def create_team(data: TeamIn, session: SessionDep, actor: ActorDep, now: NowDep) -> TeamOut:
    team = service.create_team(session, actor=actor, data=data, now=now)
    session.commit()
    return service.team_view(team)


@router.get("/teams", response_model=list[TeamOut])
def list_teams(session: SessionDep, actor: ActorDep) -> list[TeamOut]:
    return [service.team_view(t) for t in service.list_teams(session, actor=actor)]


@router.get("/sla/compliance", response_model=list[SlaComplianceRow])
def sla_compliance(session: SessionDep, actor: ActorDep, now: NowDep) -> list[SlaComplianceRow]:
    """SLA compliance by team and kind (met, breached, running; met / ended)."""
    return clocks.compliance(session, now=now, actor=actor)


@router.get("/sla/alerts", response_model=list[SlaAlertOut])
def sla_alerts(session: SessionDep, actor: ActorDep) -> list[SlaAlertOut]:
    """Warnings and escalations sent to the signed-in member of staff."""
    return clocks.alerts(session, actor=actor)


@router.post("/disputes", response_model=DisputeOut, status_code=201)
def open_dispute(data: DisputeIn, session: SessionDep, actor: ActorDep, now: NowDep) -> DisputeOut:
    dispute = disputes.open_dispute(session, actor=actor, data=data, now=now)
    session.commit()
    return DisputeOut.model_validate(dispute)


@router.get("/disputes/{dispute_id}", response_model=DisputeOut)
def get_dispute(dispute_id: int, session: SessionDep, actor: ActorDep) -> DisputeOut:
    return DisputeOut.model_validate(
        disputes.get_dispute(session, actor=actor, dispute_id=dispute_id)
    )


@router.post("/disputes/{dispute_id}/steps", response_model=DisputeOut)
def dispute_step(
    dispute_id: int,
    data: DisputeStepIn,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    settings: SettingsDep,
) -> DisputeOut:
    """Update the current stage, escalate to the next, or settle (reassess / extra payment
    reopen the claim)."""
    dispute = disputes.step(
        session, actor=actor, dispute_id=dispute_id, data=data, now=now, settings=settings
    )
    session.commit()
    return DisputeOut.model_validate(dispute)


@router.get("/surveys/results", response_model=list[CsatRow])
def survey_results(
    session: SessionDep,
    actor: ActorDep,
    by: Literal["channel", "product", "handler"] = "channel",
) -> list[CsatRow]:
    return surveys.results(session, actor=actor, by=by)


@router.get("/surveys/{survey_id}", response_model=SurveyOut)
def get_survey(survey_id: int, session: SessionDep, actor: ActorDep) -> SurveyOut:
    return SurveyOut.model_validate(surveys.get_survey(session, actor=actor, survey_id=survey_id))


@router.post("/surveys/{survey_id}/responses", response_model=SurveyOut, status_code=201)
def respond_to_survey(
    survey_id: int, data: SurveyResponseIn, session: SessionDep, actor: ActorDep, now: NowDep
) -> SurveyOut:
    survey = surveys.respond(session, actor=actor, survey_id=survey_id, data=data, now=now)
    session.commit()
    return SurveyOut.model_validate(survey)
