"""Scores follow the claim: after a report is committed (a background job scores it and, with
risk routing on, routes it: the customer's answer does not wait for either) and whenever
its data changes (in the same transaction)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from claimdesk.claims.enums import ClaimAction
from claimdesk.claims.events import ClaimReported, ClaimTransitioned
from claimdesk.config import Settings
from claimdesk.fraud import service, tasks
from claimdesk.fraud.evidence import DocumentEvidence
from claimdesk.jobs.queue import enqueue_after_commit

# Actions after which what the rules look at may differ: the claim became complete (its
# documents count), its amounts were assessed, coverage is about to be decided (other
# claims may have used the sum insured meanwhile), or it was reopened. Status-only steps
# (approve, pay, close...) change nothing the rules read, so they are not rescored.
_RESCORING_ACTIONS = frozenset(
    {
        ClaimAction.START_REVIEW,
        ClaimAction.SUBMIT_DOCUMENTS,
        ClaimAction.ASSESS,
        ClaimAction.VERIFY_COVERAGE,
        ClaimAction.REOPEN,
    }
)


def on_reported(session: Session, event: ClaimReported) -> None:
    enqueue_after_commit(session, tasks.assess_reported_claim, event.claim_id)


def on_transitioned(
    session: Session, event: ClaimTransitioned, *, settings: Settings, evidence: DocumentEvidence
) -> None:
    if event.action not in _RESCORING_ACTIONS or service.rescoring_is_paused(session):
        return
    if event.action == ClaimAction.SUBMIT_DOCUMENTS and settings.risk_routing:
        enqueue_after_commit(session, tasks.continue_straight_through, event.claim_id)
    service.assess_claim(
        session,
        claim_id=event.claim_id,
        now=event.at,
        settings=settings,
        evidence=evidence,
        trigger=str(event.action),
    )
