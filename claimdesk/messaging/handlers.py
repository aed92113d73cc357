"""Customer messages for claim and ticket events (subscribed in bootstrap's table after the
service desk's handlers, which open the surveys these messages link to).

Every customer-visible claim step and every staff reply on a ticket makes one notice;
messages to send now are delivered by a job after the commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims.events import ClaimReported, ClaimTransitioned
from claimdesk.claims.models import Claim, ClaimEvent
from claimdesk.config import Settings
from claimdesk.customers.models import Customer
from claimdesk.messaging import rules, service
from claimdesk.messaging.models import InboundEmail
from claimdesk.messaging.rules import Notice
from claimdesk.support.events import TicketReplied, TicketResolved
from claimdesk.support.models import Ticket, TicketMessage
from claimdesk.support.outbox import send_after_commit


def _latest_entry(session: Session, claim_id: int, kind: str) -> ClaimEvent:
    entry = session.scalars(
        select(ClaimEvent)
        .where(ClaimEvent.claim_id == claim_id, ClaimEvent.kind == kind)
        .order_by(ClaimEvent.id.desc())
        .limit(1)
    ).one()
    return entry


def _notify(
    session: Session,
    customer: Customer,
    notice: Notice,
    *,
    automatic: bool,
    at: datetime,
    settings: Settings,
) -> None:
    """The customer's message(s) for ``notice``, as their preferences say, sent after the
    commit."""
    send_after_commit(
        session,
        service.notify(
            session,
            customer=customer,
            notice=notice,
            automatic=automatic,
            now=at,
            settings=settings,
        ),
    )


def on_claim_reported(session: Session, event: ClaimReported, *, settings: Settings) -> None:
    claim = session.get(Claim, event.claim_id)
    assert claim is not None
    customer = session.get(Customer, claim.customer_id)
    assert customer is not None
    # Reported in this transaction: its timeline is the one in the session (no query).
    entry = next(e for e in reversed(claim.events) if e.kind == "reported")
    if entry.id is None:
        session.flush()
    notice = service.claim_reported_notice(
        claim=claim, customer=customer, event_id=entry.id, settings=settings
    )
    _notify(
        session,
        customer,
        notice,
        automatic=rules.is_automatic(event.actor),
        at=event.at,
        settings=settings,
    )


def on_claim_transitioned(
    session: Session, event: ClaimTransitioned, *, settings: Settings
) -> None:
    if event.action not in rules.CLAIM_STEP_EVENTS:
        return
    claim = session.get(Claim, event.claim_id)
    assert claim is not None
    customer = session.get(Customer, claim.customer_id)
    assert customer is not None
    notice = service.claim_step_notice(
        session,
        claim=claim,
        customer=customer,
        entry=_latest_entry(session, claim.id, event.action),
        survey=service.latest_survey(session, claim_id=claim.id, at=event.at),
        settings=settings,
    )
    if notice is None:
        return
    _notify(
        session,
        customer,
        notice,
        automatic=rules.is_automatic(event.actor),
        at=event.at,
        settings=settings,
    )


def on_ticket_replied(session: Session, event: TicketReplied, *, settings: Settings) -> None:
    ticket = session.get(Ticket, event.ticket_id)
    message = session.get(TicketMessage, event.message_id)
    assert ticket is not None and message is not None
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    if customer is not None:
        notice = service.ticket_reply_notice(
            ticket=ticket,
            message=message,
            customer=customer,
            locale=rules.locale_of(customer.preferred_locale),
            settings=settings,
        )
        _notify(session, customer, notice, automatic=False, at=event.at, settings=settings)
    elif ticket.sender_address:
        # An unverified sender gets the staff's answer by e-mail, and nothing else.
        first = session.scalar(
            select(InboundEmail.subject)
            .where(InboundEmail.ticket_id == ticket.id)
            .order_by(InboundEmail.id)
            .limit(1)
        )
        locale = rules.guess_locale(f"{first or ''} {ticket.subject}")
        notice = service.ticket_reply_notice(
            ticket=ticket, message=message, customer=None, locale=locale, settings=settings
        )
        row = service.notify_address(
            session,
            address=ticket.sender_address,
            locale=locale,
            notice=notice,
            now=event.at,
            settings=settings,
        )
        send_after_commit(session, [row] if row else [])


def on_ticket_resolved(session: Session, event: TicketResolved, *, settings: Settings) -> None:
    ticket = session.get(Ticket, event.ticket_id)
    assert ticket is not None
    if ticket.customer_id is None:
        return
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    notice = service.ticket_resolved_notice(
        ticket=ticket,
        survey=service.latest_survey(session, ticket_id=ticket.id, at=event.at),
        customer=customer,
        settings=settings,
    )
    _notify(session, customer, notice, automatic=False, at=event.at, settings=settings)
