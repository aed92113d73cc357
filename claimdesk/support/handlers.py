"""Subscriptions of the service desk to claim and ticket events (wired in bootstrap.build).

- A reported claim starts its 72-hour acknowledgement clock; the first action a member of
  staff takes on it meets the clock (automatic system actions do not); a withdrawal
  cancels it.
- Every claim status change and every staff reply on a ticket queues a customer
  notification (delivered after commit by a job).
- A closed claim and a resolved ticket send a satisfaction survey.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.events import ClaimReported, ClaimTransitioned
from claimdesk.claims.models import Claim, ClaimEvent
from claimdesk.core.clock import local_date
from claimdesk.core.events import EventBus
from claimdesk.customers import loyalty
from claimdesk.customers.models import Customer
from claimdesk.jobs.queue import enqueue_after_commit
from claimdesk.support import clocks, outbox, sla, surveys
from claimdesk.support.enums import CLAIM_APPLICATION, SlaMetric
from claimdesk.support.events import TicketReplied, TicketResolved
from claimdesk.support.models import OutboxMessage, SlaClock, Survey, Ticket, TicketMessage
from claimdesk.support.service import team_for_kind
from claimdesk.support.tasks import deliver_message


def _send(session: Session, messages: list[OutboxMessage]) -> None:
    for message in messages:
        enqueue_after_commit(session, deliver_message, message.id)


def _notify_claim(session: Session, claim: Claim, kind: str, now: datetime) -> None:
    """Tell the customer the claim's new status; keyed by the timeline entry of the change."""
    event_id = session.scalar(
        select(ClaimEvent.id)
        .where(ClaimEvent.claim_id == claim.id, ClaimEvent.kind == kind)
        .order_by(ClaimEvent.id.desc())
        .limit(1)
    )
    customer = session.get(Customer, claim.customer_id)
    assert customer is not None
    lang = outbox.language(customer)
    _send(
        session,
        outbox.queue(
            session,
            customer=customer,
            template="claim_status",
            key=f"claim:{claim.id}:event:{event_id}",
            fields={
                "number": claim.number,
                "status": outbox.claim_status_name(claim.status, lang),
            },
            now=now,
        ),
    )


def _invite(session: Session, survey: Survey | None, about_zh: str, about_en: str) -> None:
    if survey is None:
        return
    customer = session.get(Customer, survey.customer_id)
    assert customer is not None
    lang = outbox.language(customer)
    _send(
        session,
        outbox.queue(
            session,
            customer=customer,
            template="survey",
            key=f"survey:{survey.id}",
            fields={
                "about": about_en if lang == "en" else about_zh,
                "survey_id": survey.id,
                "expires": local_date(survey.expires_at, sla.load_config().timezone),
            },
            now=survey.created_at,
        ),
    )


def on_claim_reported(session: Session, event: ClaimReported) -> None:
    claim = session.get(Claim, event.claim_id)
    assert claim is not None
    config = sla.load_config()
    team = team_for_kind(session, CLAIM_APPLICATION)
    for target in config.targets_for(
        CLAIM_APPLICATION,
        channel=claim.channel,
        product=claim.policy.product.code,
        customer_tier=loyalty.tier_of(session, claim.customer_id).service_tier,
    ):
        clocks.start_clock(
            session,
            target=target,
            config=config,
            now=event.at,
            team_id=team.id if team else None,
            claim_id=claim.id,
        )
    _notify_claim(session, claim, "reported", event.at)


def on_claim_transitioned(session: Session, event: ClaimTransitioned) -> None:
    claim = session.get(Claim, event.claim_id)
    assert claim is not None
    running = session.scalars(
        select(SlaClock).where(
            SlaClock.claim_id == claim.id,
            SlaClock.metric == SlaMetric.ACKNOWLEDGEMENT,
            SlaClock.stopped_at.is_(None),
        )
    ).all()
    config = sla.load_config()
    if event.to_status == ClaimStatus.WITHDRAWN:
        clocks.stop(session, running, config=config, now=event.at, cancel=True)
    elif not event.actor.is_customer and event.actor.user_id is not None:
        # A person on staff acted (the system's automatic document request does not count).
        clocks.stop(session, running, config=config, now=event.at)
    _notify_claim(session, claim, event.action, event.at)
    if event.to_status == ClaimStatus.CLOSED:
        survey = surveys.for_claim(session, claim=claim, now=event.at)
        _invite(session, survey, f"理赔 {claim.number}", f"claim {claim.number}")


def on_ticket_replied(session: Session, event: TicketReplied) -> None:
    ticket = session.get(Ticket, event.ticket_id)
    message = session.get(TicketMessage, event.message_id)
    assert ticket is not None and message is not None
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    _send(
        session,
        outbox.queue(
            session,
            customer=customer,
            template="ticket_reply",
            key=f"ticket-message:{message.id}",
            fields={"number": ticket.number, "subject": ticket.subject, "reply": message.body},
            now=event.at,
        ),
    )


def on_ticket_resolved(session: Session, event: TicketResolved) -> None:
    ticket = session.get(Ticket, event.ticket_id)
    assert ticket is not None
    session.flush()  # the version the resolution gave the ticket names its survey
    survey = surveys.for_ticket(session, ticket=ticket, now=event.at)
    _invite(session, survey, f"工单 {ticket.number}", f"ticket {ticket.number}")


def register(bus: EventBus) -> None:
    bus.subscribe(ClaimReported, on_claim_reported)
    bus.subscribe(ClaimTransitioned, on_claim_transitioned)
    bus.subscribe(TicketReplied, on_ticket_replied)
    bus.subscribe(TicketResolved, on_ticket_resolved)
