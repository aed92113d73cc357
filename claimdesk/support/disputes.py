"""Disputes of a claim decision: negotiation -> mediation -> arbitration -> litigation.

Each stage keeps its parties, deadline, document references and outcome. A dispute is
settled with an outcome; ``reassess`` reopens the claim (the claims ``reopen`` action,
taken by the senior adjuster or supervisor settling) so it is assessed again;
``extra_payment`` is an award: the claims ``approve_award`` action approves exactly the
amount awarded on top of what was approved (not through the policy formula again), and
the usual ``pay`` pays it, under the claim's rules (evidence, payee, segregation).
Opening, escalating and settling are written on the claim's timeline too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimdesk.claims import service as claims
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.schemas import TransitionIn
from claimdesk.config import Settings
from claimdesk.core import messages
from claimdesk.core.errors import Conflict, NotFound, ValidationFailed
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support.models import Dispute, DisputeStage
from claimdesk.support.schemas import DisputeIn, DisputeStepIn, StageIn

STAGES = ("negotiation", "mediation", "arbitration", "litigation")
DECIDED = frozenset(
    {
        ClaimStatus.APPROVED,
        ClaimStatus.PARTIALLY_APPROVED,
        ClaimStatus.DENIED,
        ClaimStatus.PAID,
        ClaimStatus.CLOSED,
    }
)
REOPENING_OUTCOMES = frozenset({"reassess"})
AWARD_OUTCOME = "extra_payment"  # the award is approved as awarded, then paid


def _stage(name: str, data: StageIn, now: datetime) -> DisputeStage:
    return DisputeStage(
        stage=name,
        parties=data.parties or ["customer", "insurer"],
        deadline=data.deadline,
        documents=data.documents,
        started_at=now,
    )


def open_dispute(session: Session, *, actor: Actor, data: DisputeIn, now: datetime) -> Dispute:
    """The customer (or staff for them) disputes a decided claim; it starts at negotiation."""
    claim = claims.get_claim(session, actor=actor, claim_id=data.claim_id, for_update=True)
    if claim.status not in DECIDED:
        raise Conflict(
            f"Claim {claim.number} is '{claim.status}'; only a decided claim can be disputed."
        )
    ongoing = session.scalar(
        select(Dispute.id).where(Dispute.claim_id == claim.id, Dispute.status == "open")
    )
    if ongoing is not None:
        raise Conflict(f"Claim {claim.number} is already disputed (dispute {ongoing}).")
    dispute = Dispute(
        claim_id=claim.id,
        customer_id=claim.customer_id,
        opened_by_id=actor.user_id,
        opened_at=now,
        reason=data.reason,
        stage=STAGES[0],
        status="open",
        stages=[_stage(STAGES[0], data, now)],
    )
    session.add(dispute)
    session.flush()
    claim.record(
        actor,
        now,
        kind="dispute_opened",
        to_status=None,
        reason=data.reason,
        data={"dispute_id": dispute.id, "stage": STAGES[0]},
    )
    return dispute


def get_dispute(
    session: Session, *, actor: Actor, dispute_id: int, for_update: bool = False
) -> Dispute:
    query = select(Dispute).options(selectinload(Dispute.stages)).where(Dispute.id == dispute_id)
    if for_update:
        query = query.with_for_update(of=Dispute)
    dispute = session.scalars(query).one_or_none()
    if dispute is None or (actor.is_customer and actor.customer_id != dispute.customer_id):
        raise NotFound(f"Dispute {dispute_id} does not exist.")
    return dispute


def disputes_of_claim(session: Session, *, actor: Actor, claim_id: int) -> list[Dispute]:
    """The claim's disputes with their stages, oldest first (a customer sees their own)."""
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    return list(
        session.scalars(
            select(Dispute)
            .options(selectinload(Dispute.stages))
            .where(Dispute.claim_id == claim.id)
            .order_by(Dispute.id)
        )
    )


def step(
    session: Session,
    *,
    actor: Actor,
    dispute_id: int,
    data: DisputeStepIn,
    now: datetime,
    settings: Settings,
) -> Dispute:
    """Update the current stage, escalate to the next one, or settle with an outcome."""
    require(actor, "support.disputes.manage")
    dispute = get_dispute(session, actor=actor, dispute_id=dispute_id, for_update=True)
    if dispute.status != "open":
        raise Conflict(f"Dispute {dispute.id} is {dispute.status}; nothing more to do.")
    current = dispute.stages[-1]
    claim = claims.get_claim(session, actor=actor, claim_id=dispute.claim_id)
    if data.action == "update":
        for field in ("parties", "deadline", "documents"):
            value = getattr(data, field)
            if value is not None:
                setattr(current, field, value)
        session.flush()
        return dispute
    if data.action == "escalate":
        index = STAGES.index(dispute.stage)
        if index + 1 == len(STAGES):
            raise Conflict("Litigation is the last stage; settle the dispute with the judgment.")
        current.ended_at, current.outcome, current.notes = now, "unresolved", data.notes
        dispute.stage = STAGES[index + 1]
        dispute.stages.append(_stage(dispute.stage, data.next_stage or StageIn(), now))
        claim.record(
            actor,
            now,
            kind="dispute_escalated",
            to_status=None,
            reason=data.notes,
            data={"dispute_id": dispute.id, "stage": dispute.stage},
        )
        session.flush()
        return dispute
    if data.outcome is None:
        raise ValidationFailed("Settling needs an 'outcome'.", details=[{"field": "outcome"}])
    if data.outcome == "extra_payment" and data.extra_amount is None:
        raise ValidationFailed(
            "An extra payment outcome needs 'extra_amount'.", details=[{"field": "extra_amount"}]
        )
    current.ended_at, current.outcome, current.notes = now, data.outcome, data.notes
    dispute.status, dispute.outcome, dispute.closed_at = "settled", data.outcome, now
    dispute.extra_amount = data.extra_amount
    claim.record(
        actor,
        now,
        kind="dispute_settled",
        to_status=None,
        reason=data.notes,
        data={
            "dispute_id": dispute.id,
            "stage": dispute.stage,
            "outcome": data.outcome,
            "extra_amount": str(data.extra_amount) if data.extra_amount else None,
        },
    )
    session.flush()
    if data.outcome in REOPENING_OUTCOMES:
        claims.transition(
            session,
            actor=actor,
            claim_id=claim.id,
            command=TransitionIn(action=ClaimAction.REOPEN, reason=data.notes),
            now=now,
            settings=settings,
            message=messages.message(
                "history.dispute_reopened",
                dispute=dispute.id,
                stage=messages.code("dispute_stage", dispute.stage),
                outcome=messages.code("dispute_outcome", data.outcome),
            ),
        )
    if data.outcome == AWARD_OUTCOME:
        claims.transition(
            session,
            actor=actor,
            claim_id=claim.id,
            command=TransitionIn(
                action=ClaimAction.APPROVE_AWARD, dispute_id=dispute.id, reason=data.notes
            ),
            now=now,
            settings=settings,
            message=messages.message(
                "history.dispute_award",
                dispute=dispute.id,
                stage=messages.code("dispute_stage", dispute.stage),
                amount=messages.money(data.extra_amount or 0, claim.currency),
            ),
        )
    return dispute
