"""An event's claim is triaged again whenever what triage reads changes: after its first
risk score and its risk routing (background jobs after the report) and after each
lifecycle step (which may rescore it, refer it to SIU or finish it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from claimdesk.catastrophe import service
from claimdesk.claims.events import ClaimTransitioned
from claimdesk.config import Settings
from claimdesk.core.events import EventBus
from claimdesk.fraud.events import ClaimRouted, ReportedClaimScored


def register(bus: EventBus, settings: Settings) -> None:
    """Subscribe after the fraud handlers, so a step's rescoring is already stored."""

    def on_change(
        session: Session, event: ClaimTransitioned | ClaimRouted | ReportedClaimScored
    ) -> None:
        service.retriage(session, claim_id=event.claim_id, now=event.at, settings=settings)

    bus.subscribe(ClaimTransitioned, on_change)
    bus.subscribe(ClaimRouted, on_change)
    bus.subscribe(ReportedClaimScored, on_change)
