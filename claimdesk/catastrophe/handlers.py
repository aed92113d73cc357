"""An event's claim is triaged again whenever what triage reads changes: after its risk
routing (a background job after the report) and after each lifecycle step (which may
rescore it, refer it to SIU or finish it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from claimdesk.catastrophe import service
from claimdesk.claims.events import ClaimTransitioned
from claimdesk.config import Settings
from claimdesk.core.events import EventBus
from claimdesk.fraud.events import ClaimRouted


def register(bus: EventBus, settings: Settings) -> None:
    """Subscribe after the fraud handlers, so a step's rescoring is already stored."""

    def on_change(session: Session, event: ClaimTransitioned | ClaimRouted) -> None:
        service.retriage(session, claim_id=event.claim_id, now=event.at, settings=settings)

    bus.subscribe(ClaimTransitioned, on_change)
    bus.subscribe(ClaimRouted, on_change)
