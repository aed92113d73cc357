"""Handlers of the service desk for claim and ticket events (subscribed in bootstrap's table).

- A reported claim starts its 72-hour acknowledgement clock; the first action a member of
  staff takes on it meets the clock (automatic system actions do not); a withdrawal
  cancels it.
- A closed claim and a resolved ticket open a satisfaction survey (the customer's message
  about the step carries its link: see claimdesk/messaging/handlers.py).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.events import ClaimReported, ClaimTransitioned
from claimdesk.claims.models import Claim
from claimdesk.customers import loyalty
from claimdesk.support import clocks, sla, surveys
from claimdesk.support.enums import CLAIM_APPLICATION, SlaMetric
from claimdesk.support.events import TicketResolved
from claimdesk.support.models import SlaClock, Ticket
from claimdesk.support.service import team_for_kind


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
    if event.to_status == ClaimStatus.CLOSED:
        surveys.for_claim(session, claim=claim, now=event.at)


def on_ticket_resolved(session: Session, event: TicketResolved) -> None:
    ticket = session.get(Ticket, event.ticket_id)
    assert ticket is not None
    session.flush()  # the version the resolution gave the ticket names its survey
    if ticket.customer_id is not None:  # an unverified e-mail ticket has nobody to ask
        surveys.for_ticket(session, ticket=ticket, now=event.at)
