"""An event's claim is triaged again whenever what triage reads changes: after its first
risk score and its risk routing (background jobs after the report) and after each
lifecycle step (which may rescore it, refer it to SIU or finish it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from claimdesk.catastrophe import service
from claimdesk.claims.events import ClaimTransitioned
from claimdesk.config import Settings
from claimdesk.fraud.events import ClaimRouted, ReportedClaimScored


def on_change(
    session: Session,
    event: ClaimTransitioned | ClaimRouted | ReportedClaimScored,
    *,
    settings: Settings,
) -> None:
    """Subscribed after the fraud handlers, so a step's rescoring is already stored."""
    service.retriage(session, claim_id=event.claim_id, now=event.at, settings=settings)
