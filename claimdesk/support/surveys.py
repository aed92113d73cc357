"""CSAT: a survey when a claim closes or a ticket resolves; one response; low scores open a
follow-up ticket (closed loop); results by channel, product and handler."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from claimdesk.claims.models import Claim
from claimdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from claimdesk.core.events import publish
from claimdesk.security.permissions import require
from claimdesk.security.service import SYSTEM, Actor
from claimdesk.support import sla
from claimdesk.support.enums import FOLLOW_UP, Priority, TicketChannel
from claimdesk.support.events import SurveyAnswered
from claimdesk.support.models import Survey, Ticket
from claimdesk.support.schemas import CsatRow, SurveyResponseIn, TicketIn
from claimdesk.support.service import create_ticket

GROUPS = {"channel": Survey.channel, "product": Survey.product_code, "handler": Survey.handler_id}


class SurveyExpired(Conflict):
    code = "survey_expired"


def _create(session: Session, survey: Survey) -> Survey | None:
    """Add the survey unless one with its key exists (the same close or resolution)."""
    if session.scalar(select(Survey.id).where(Survey.key == survey.key)):
        return None
    session.add(survey)
    session.flush()
    return survey


def for_claim(session: Session, *, claim: Claim, now: datetime) -> Survey | None:
    days = sla.load_config().survey_valid_days
    return _create(
        session,
        Survey(
            key=f"claim:{claim.id}:v{claim.version}",
            subject="claim",
            claim_id=claim.id,
            customer_id=claim.customer_id,
            handler_id=claim.approver_id or claim.assessor_id,
            channel=claim.channel,
            product_code=claim.policy.product.code,
            created_at=now,
            expires_at=now + timedelta(days=days),
        ),
    )


def for_ticket(session: Session, *, ticket: Ticket, now: datetime) -> Survey | None:
    days = sla.load_config().survey_valid_days
    return _create(
        session,
        Survey(
            key=f"ticket:{ticket.id}:v{ticket.version}",
            subject="ticket",
            ticket_id=ticket.id,
            claim_id=ticket.claim_id,
            customer_id=ticket.customer_id,
            handler_id=ticket.owner_id,
            channel=ticket.channel,
            product_code=ticket.product_code,
            created_at=now,
            expires_at=now + timedelta(days=days),
        ),
    )


def get_survey(session: Session, *, actor: Actor, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None or (actor.is_customer and actor.customer_id != survey.customer_id):
        raise NotFound(f"Survey {survey_id} does not exist.")
    return survey


def open_surveys(session: Session, *, actor: Actor, now: datetime) -> list[Survey]:
    """The customer's surveys still waiting for an answer, newest first."""
    if not actor.is_customer:
        return []
    return list(
        session.scalars(
            select(Survey)
            .where(
                Survey.customer_id == actor.customer_id,
                Survey.responded_at.is_(None),
                Survey.expires_at > now,
            )
            .order_by(Survey.id.desc())
        )
    )


def respond(
    session: Session, *, actor: Actor, survey_id: int, data: SurveyResponseIn, now: datetime
) -> Survey:
    """Record the customer's answer; a low score opens a follow-up ticket for the team."""
    if not actor.is_customer:
        raise PermissionDenied("Only the customer asked can answer a satisfaction survey.")
    survey = session.scalars(
        select(Survey).where(Survey.id == survey_id).with_for_update()
    ).one_or_none()
    if survey is None or survey.customer_id != actor.customer_id:
        raise NotFound(f"Survey {survey_id} does not exist.")
    if survey.responded_at is not None:
        raise Conflict(f"Survey {survey_id} has been answered already; thank you.")
    if now >= survey.expires_at:
        raise SurveyExpired(f"Survey {survey_id} expired on {survey.expires_at:%Y-%m-%d}.")
    survey.score, survey.comment, survey.responded_at = data.score, data.comment, now
    publish(
        session,
        SurveyAnswered(
            survey_id=survey.id, customer_id=survey.customer_id, score=data.score, at=now
        ),
    )
    config = sla.load_config()
    if data.score <= config.low_score:
        about = (
            f"claim {survey.claim_id}"
            if survey.subject == "claim"
            else f"ticket {survey.ticket_id}"
        )
        ticket = create_ticket(
            session,
            actor=SYSTEM,
            data=TicketIn(
                kind=FOLLOW_UP,
                subject=f"Low satisfaction score {data.score}/5 on {about} / 满意度低分回访",
                body=data.comment or f"Score {data.score}/5, no comment.",
                channel=_ticket_channel(survey.channel),
                customer_id=survey.customer_id,
                claim_id=survey.claim_id,
                priority=Priority.HIGH,
            ),
            now=now,
        )
        survey.follow_up_ticket_id = ticket.id
    session.flush()
    return survey


def _ticket_channel(channel: str) -> TicketChannel:
    try:
        return TicketChannel(channel)
    except ValueError as exc:
        raise ValidationFailed(f"Survey channel '{channel}' is not a ticket channel.") from exc


def results(session: Session, *, actor: Actor, by: str) -> list[CsatRow]:
    """Answered surveys grouped by channel, product or handler: count, mean, low scores."""
    require(actor, "support.reports")
    if by not in GROUPS:
        raise ValidationFailed(f"Group by one of: {', '.join(GROUPS)}.", details=[{"field": "by"}])
    column = GROUPS[by]
    low = sla.load_config().low_score
    rows = session.execute(
        select(
            column,
            func.count(Survey.id),
            func.avg(Survey.score),
            func.sum(case((Survey.score <= low, 1), else_=0)),
        )
        .where(Survey.responded_at.is_not(None))
        .group_by(column)
        .order_by(column)
    )
    return [
        CsatRow(
            group=None if group is None else str(group),
            responses=n,
            average=round(float(mean), 2),
            low_scores=int(lows),
        )
        for group, n, mean, lows in rows
    ]
