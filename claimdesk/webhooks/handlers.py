"""Domain events to webhook deliveries (subscribed in bootstrap's table); sent after the commit.

Payloads name things by ids, numbers and codes only: no names, addresses or free text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from claimdesk.claims.enums import ClaimAction
from claimdesk.claims.events import ClaimReported, ClaimTransitioned
from claimdesk.claims.models import Claim
from claimdesk.documents.events import DocumentRead
from claimdesk.jobs.queue import enqueue_after_commit
from claimdesk.support.events import SlaBreached, TicketCreated, TicketUpdated
from claimdesk.support.models import Ticket
from claimdesk.webhooks import service
from claimdesk.webhooks.enums import WebhookEvent


def _emit(session: Session, event_type: WebhookEvent, data: dict[str, Any], at: Any) -> None:
    for delivery in service.record(session, event_type=event_type, data=data, at=at):
        enqueue_after_commit(session, service.deliver, delivery.id)


def _claim(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    assert claim is not None
    return claim


def on_claim_reported(session: Session, event: ClaimReported) -> None:
    claim = _claim(session, event.claim_id)
    data = {
        "claim_id": claim.id,
        "claim_number": claim.number,
        "policy_id": claim.policy_id,
        "claim_type": claim.claim_type,
        "channel": claim.channel,
        "status": claim.status,
    }
    _emit(session, WebhookEvent.CLAIM_REPORTED, data, event.at)


def on_claim_transitioned(session: Session, event: ClaimTransitioned) -> None:
    claim = _claim(session, event.claim_id)
    base = {"claim_id": claim.id, "claim_number": claim.number}
    _emit(
        session,
        WebhookEvent.CLAIM_STATUS_CHANGED,
        {
            **base,
            "action": str(event.action),
            "from_status": str(event.from_status),
            "to_status": str(event.to_status),
        },
        event.at,
    )
    if event.action == ClaimAction.PAY and claim.payments:
        payment = claim.payments[-1]
        if payment.paid_at == event.at:
            _emit(
                session,
                WebhookEvent.CLAIM_PAID,
                {**base, "payment_reference": payment.reference, "status": claim.status},
                event.at,
            )


def on_document_read(session: Session, event: DocumentRead) -> None:
    claim = _claim(session, event.claim_id)
    data = {
        "document_id": event.document_id,
        "claim_id": claim.id,
        "claim_number": claim.number,
        "status": event.status,
        "kind": event.kind,
    }
    _emit(session, WebhookEvent.DOCUMENT_READ, data, event.at)


def _ticket_data(session: Session, ticket_id: int) -> dict[str, Any]:
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    return {
        "ticket_id": ticket.id,
        "ticket_number": ticket.number,
        "kind": ticket.kind,
        "channel": ticket.channel,
        "status": ticket.status,
        "claim_id": ticket.claim_id,
        "verified": ticket.verified,
    }


def on_ticket_created(session: Session, event: TicketCreated) -> None:
    _emit(session, WebhookEvent.TICKET_CREATED, _ticket_data(session, event.ticket_id), event.at)


def on_ticket_updated(session: Session, event: TicketUpdated) -> None:
    data = {**_ticket_data(session, event.ticket_id), "change": event.change}
    _emit(session, WebhookEvent.TICKET_UPDATED, data, event.at)


def on_sla_breached(session: Session, event: SlaBreached) -> None:
    data = {
        "clock_id": event.clock_id,
        "metric": event.metric,
        "kind": event.kind,
        "ticket_id": event.ticket_id,
        "claim_id": event.claim_id,
    }
    _emit(session, WebhookEvent.SLA_BREACHED, data, event.at)
