"""Background jobs of fraud scoring (run by the job registry, dependencies passed in)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from claimdesk.config import Settings
from claimdesk.core.clock import Clock
from claimdesk.core.db import unit_of_work
from claimdesk.core.events import publish
from claimdesk.fraud import service
from claimdesk.fraud.events import ReportedClaimScored
from claimdesk.fraud.evidence import DocumentEvidence


def assess_reported_claim(
    claim_id: int,
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    settings: Settings,
    evidence: DocumentEvidence,
) -> str | None:
    """Score a newly reported claim once its report is answered and committed, then route it
    by that score when risk routing is on (one transaction)."""
    with unit_of_work(sessions) as session:
        now = clock.now()
        service.assess_claim(
            session,
            claim_id=claim_id,
            now=now,
            settings=settings,
            evidence=evidence,
            trigger="reported",
        )
        publish(session, ReportedClaimScored(claim_id=claim_id, at=now))
        if not settings.risk_routing:
            return None
        route = service.route_claim(
            session, claim_id=claim_id, now=clock.now(), settings=settings, evidence=evidence
        )
    return str(route) if route else None


def continue_straight_through(
    claim_id: int,
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    settings: Settings,
    evidence: DocumentEvidence,
) -> bool:
    """Pay a straight-through claim whose documents have now been read."""
    with unit_of_work(sessions) as session:
        return service.continue_straight_through(
            session, claim_id=claim_id, now=clock.now(), settings=settings, evidence=evidence
        )
