"""Background jobs of fraud scoring."""

from __future__ import annotations

from claimdesk.bootstrap import installed
from claimdesk.core.db import unit_of_work
from claimdesk.core.events import publish
from claimdesk.fraud import service
from claimdesk.fraud.events import ReportedClaimScored
from claimdesk.fraud.evidence import StoredDocuments
from claimdesk.jobs.queue import huey


@huey.task(retries=2, retry_delay=10)
def assess_reported_claim(claim_id: int) -> str | None:
    """Score a newly reported claim once its report is answered and committed, then route it
    by that score when risk routing is on (one transaction)."""
    container = installed()
    evidence = StoredDocuments()
    with unit_of_work(container.sessions) as session:
        now = container.clock.now()
        service.assess_claim(
            session,
            claim_id=claim_id,
            now=now,
            settings=container.settings,
            evidence=evidence,
            trigger="reported",
        )
        publish(session, ReportedClaimScored(claim_id=claim_id, at=now))
        if not container.settings.risk_routing:
            return None
        route = service.route_claim(
            session,
            claim_id=claim_id,
            now=container.clock.now(),
            settings=container.settings,
            evidence=evidence,
        )
    return str(route) if route else None


@huey.task(retries=2, retry_delay=10)
def route_new_claim(claim_id: int) -> str | None:
    """Route a reported claim by its risk (straight through, review, investigation, SIU)."""
    container = installed()
    with unit_of_work(container.sessions) as session:
        route = service.route_claim(
            session,
            claim_id=claim_id,
            now=container.clock.now(),
            settings=container.settings,
            evidence=StoredDocuments(),
        )
    return str(route) if route else None


@huey.task(retries=2, retry_delay=10)
def continue_straight_through(claim_id: int) -> bool:
    """Pay a straight-through claim whose documents have now been read."""
    container = installed()
    with unit_of_work(container.sessions) as session:
        return service.continue_straight_through(
            session,
            claim_id=claim_id,
            now=container.clock.now(),
            settings=container.settings,
            evidence=StoredDocuments(),
        )
