"""Risk scores of ClaimDesk claims: gather the facts, apply the rules, store, route."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims import rules as claim_rules
from claimdesk.claims import service as claims
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.models import Claim, LossLine, description_hash
from claimdesk.claims.schemas import TransitionIn
from claimdesk.config import Settings
from claimdesk.core import messages
from claimdesk.core.clock import local_date
from claimdesk.core.errors import NotFound
from claimdesk.core.events import publish
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.documents.evidence import completeness_of
from claimdesk.fraud import registry, rules
from claimdesk.fraud.enums import Grade, Route
from claimdesk.fraud.events import ClaimRouted
from claimdesk.fraud.evidence import DocumentEvidence
from claimdesk.fraud.models import RiskAssessment
from claimdesk.fraud.schemas import ContributionOut, FactorOut, RiskHistoryOut, RiskOut
from claimdesk.security.permissions import require
from claimdesk.security.service import SYSTEM, Actor

ROUTED = "risk_routed"  # timeline kind of the routing decision (internal: staff only)
WAITING_FOR_EVIDENCE = "waiting_for_evidence"  # straight through once documents are read
_STEPS: dict[Route, tuple[ClaimAction, ...]] = {
    Route.STRAIGHT_THROUGH: (
        ClaimAction.START_REVIEW,
        ClaimAction.ASSESS,
        ClaimAction.VERIFY_COVERAGE,
        ClaimAction.APPROVE,
        ClaimAction.PAY,
    ),
    Route.INVESTIGATION: (ClaimAction.START_REVIEW, ClaimAction.START_INVESTIGATION),
    Route.SIU: (ClaimAction.REFER_TO_SIU,),
    Route.REVIEW: (),
}


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _shared_loss_lines(session: Session, claim: Claim) -> list[rules.SharedLossLine]:
    """Claimant loss lines identical (text and amount, same incident date) on other claims.

    Descriptions are stored encrypted beside a keyed hash of their text (whitespace and case
    ignored), so the database can narrow the candidates by text too: after a catastrophe
    thousands of claims share the incident date and round amounts."""
    mine = [line for line in claim.loss_lines if line.source == "claimant"]
    if not mine:
        return []
    keys = {(_normalised(line.description), line.amount) for line in mine}
    query = (
        select(LossLine, Claim)
        .join(Claim, Claim.id == LossLine.claim_id)
        .where(
            Claim.id != claim.id,
            Claim.incident_date == claim.incident_date,
            LossLine.source == "claimant",
            LossLine.amount.in_({amount for _, amount in keys}),
            LossLine.description_hash.in_({description_hash(text) for text, _ in keys}),
        )
    )
    return [
        rules.SharedLossLine(line.description, line.amount, other.number or "", other.customer_id)
        for line, other in session.execute(query)
        if (_normalised(line.description), line.amount) in keys
    ]


def gather_facts(
    session: Session,
    claim: Claim,
    *,
    settings: Settings,
    evidence: DocumentEvidence,
    cfg: rules.Config,
) -> rules.ClaimFacts:
    tz = settings.display_timezone
    policy = claim.policy
    committed = claims.committed_on_policy(session, policy_id=policy.id) - claim.approved_amount
    others = session.scalars(
        select(Claim.reported_at).where(
            Claim.customer_id == claim.customer_id,
            Claim.id != claim.id,
            Claim.reported_at <= claim.reported_at,
        )
    )
    account = session.get(BankAccount, claim.bank_account_id) if claim.bank_account_id else None
    customer = session.get(Customer, claim.customer_id)
    tolerance = Decimal(str(cfg.rules["document_mismatch"].params["amount_tolerance"]))
    return rules.ClaimFacts(
        claim_type=claim.claim_type,
        claimed_amount=claim.claimed_amount,
        currency=claim.currency,
        incident_date=claim.incident_date,
        reported_on=local_date(claim.reported_at, tz),
        policy_start=policy.start_date,
        remaining_sum_insured=policy.sum_insured - committed,
        other_claims_reported_on=tuple(local_date(at, tz) for at in others),
        payee_account_added_on=local_date(account.created_at, tz) if account else None,
        customer_since=local_date(customer.created_at, tz) if customer else None,
        shared_documents=tuple(evidence.shared_documents(session, claim)),
        shared_loss_lines=tuple(_shared_loss_lines(session, claim)),
        document_conflicts=tuple(evidence.conflicts(session, claim, tolerance)),
    )


_PAUSED = "fraud.rescoring_paused"


@contextmanager
def rescoring_paused(session: Session) -> Iterator[None]:
    """Lifecycle steps taken inside are not rescored (the history import takes legacy
    claims to their end: the score they got at report is the one that counts, and
    rescoring each step cost a tenth of the import's time)."""
    session.info[_PAUSED] = session.info.get(_PAUSED, 0) + 1
    try:
        yield
    finally:
        session.info[_PAUSED] -= 1


def rescoring_is_paused(session: Session) -> bool:
    return bool(session.info.get(_PAUSED, 0))


def latest(session: Session, claim_id: int) -> RiskAssessment | None:
    return session.scalars(
        select(RiskAssessment)
        .where(RiskAssessment.claim_id == claim_id)
        .order_by(RiskAssessment.id.desc())
        .limit(1)
    ).one_or_none()


def assess_claim(
    session: Session,
    *,
    claim_id: int,
    now: datetime,
    settings: Settings,
    evidence: DocumentEvidence,
    trigger: str,
) -> RiskAssessment:
    """Score the claim by the rules and, when its product has an active learned model, by
    that model too, combined into one score (``rules.combine``); a new history row only
    when something of it changed."""
    cfg = rules.config()
    claim = claims.get_claim(session, actor=SYSTEM, claim_id=claim_id)
    result = rules.assess(
        gather_facts(session, claim, settings=settings, evidence=evidence, cfg=cfg), cfg
    )
    factors = [f.to_dict() for f in result.factors]
    learned = registry.score_claim(
        session, claim, settings=settings, fired=frozenset(f.code for f in result.factors)
    )
    score, grade, method = result.score, result.grade, f"rules {cfg.version}"
    probability: float | None = None
    contributions: list[dict[str, Any]] | None = None
    if learned is not None:
        probability = round(learned.probability, 4)
        contributions = learned.contributions
        unlearned = [f for f in result.factors if f.code not in learned.learned_rules]
        score = rules.combine(probability, unlearned)
        grade = rules.grade_of(score, cfg)
        method = f"rules {cfg.version} + model {learned.name}"[:64]
    current = latest(session, claim_id)
    if (
        current is not None
        and current.score == score
        and current.grade == grade
        and current.factors == factors
        and current.method == method
        and current.model_probability == probability
    ):
        return current
    assessment = RiskAssessment(
        claim_id=claim_id,
        score=score,
        grade=grade,
        factors=factors,
        method=method,
        trigger=trigger,
        assessed_at=now,
        rules_score=result.score,
        model_probability=probability,
        contributions=contributions,
    )
    session.add(assessment)
    session.flush()
    return assessment


def _model_note(product_code: str, current: RiskAssessment) -> str:
    if current.contributions is not None:
        return (
            f"Rules and the learned model ({current.method}) combined: the model weighs the "
            "rules that fired often in the product's history; the others keep their weight: "
            "score = 100 × (1 − (1 − model probability) × Π(1 − weight)). / "
            "规则与学习模型合并评分：历史中常见的规则由模型按其预测力加权，其余规则保留原权重。"
        )
    return (
        f"Rules only: product {product_code} had no active learned model when this claim was "
        f"scored (claimdesk fraud train --from-database --product {product_code}). / "
        f"仅规则评分：评分时产品 {product_code} 尚无启用的学习模型。"
    )


def risk_view(session: Session, *, actor: Actor, claim_id: int) -> RiskOut:
    require(actor, "claims.view_risk")
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    rows = list(
        session.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.claim_id == claim.id)
            .order_by(RiskAssessment.id.desc())
        )
    )
    if not rows:
        raise NotFound(f"Claim {claim.number} has not been scored yet.")
    current = rows[0]
    return RiskOut(
        claim_id=claim.id,
        score=current.score,
        grade=current.grade,
        method=current.method,
        trigger=current.trigger,
        assessed_at=current.assessed_at,
        rules_score=current.score if current.rules_score is None else current.rules_score,
        model_probability=current.model_probability,
        factors=[FactorOut(**f) for f in current.factors],
        contributions=[ContributionOut(**c) for c in current.contributions or []],
        model_note=_model_note(claim.policy.product.code, current),
        history=[
            RiskHistoryOut(
                score=r.score,
                grade=r.grade,
                trigger=r.trigger,
                assessed_at=r.assessed_at,
                method=r.method,
            )
            for r in rows
        ],
    )


def _customer_message(decision: rules.RoutingDecision) -> dict[str, Any]:
    """What the claimant may read: the straight-through reasons without the risk grade."""
    return messages.message(
        "history.straight_through",
        reasons=messages.both(
            "；".join(decision.reasons_zh[1:]), "; ".join(decision.reasons_en[1:])
        ),
    )


def routing_decision(
    session: Session, claim: Claim, *, score: int, grade: Grade, settings: Settings
) -> rules.RoutingDecision:
    """What the routing rules decide for the claim at this score (nothing is recorded)."""
    account = session.get(BankAccount, claim.bank_account_id) if claim.bank_account_id else None
    return rules.route(
        score=score,
        grade=grade,
        claim_type=claim.claim_type,
        amount=claim.claimed_amount,
        currency=claim.currency,
        max_amount=settings.stp_max_amount,
        has_loss_lines=any(line.source == "claimant" for line in claim.loss_lines),
        verified_account=account is not None and account.verified,
    )


def stp_evidence_gaps(session: Session, claim: Claim) -> list[claim_rules.EvidenceGap]:
    """What the claim still lacks of its type's minimum evidence for straight-through
    payment (``claims/stp_evidence.toml``): documents read, invoices matching the lines."""
    lines = claim.effective_loss_lines()
    return claim_rules.stp_evidence_gaps(
        claim_rules.stp_evidence_rules().get(claim.claim_type),
        completeness_of(session, claim),
        claimed=sum((line.amount for line in lines), Decimal("0")),
    )


def route_claim(
    session: Session,
    *,
    claim_id: int,
    now: datetime,
    settings: Settings,
    evidence: DocumentEvidence,
) -> Route | None:
    """Route a newly reported claim by its risk grade, once; None if it was already handled.

    Straight-through claims are driven report -> paid by the system actor through the
    ordinary lifecycle, so every guard (coverage, sum insured, evidence, verified account)
    still applies; the claim stops with a person whenever a step would need judgement. A
    straight-through claim whose minimum documents are not read yet waits for them
    (:func:`continue_straight_through` runs when they are complete).
    """
    claim = claims.get_claim(session, actor=SYSTEM, claim_id=claim_id, for_update=True)
    if claim.status != ClaimStatus.REPORTED or any(e.kind == ROUTED for e in claim.events):
        return None
    current = latest(session, claim.id) or assess_claim(
        session,
        claim_id=claim.id,
        now=now,
        settings=settings,
        evidence=evidence,
        trigger="routing",
    )
    decision = routing_decision(
        session, claim, score=current.score, grade=Grade(current.grade), settings=settings
    )
    data: dict[str, Any] = {
        "route": decision.route,
        "score": current.score,
        "grade": current.grade,
        "reasons_en": list(decision.reasons_en),
        "reasons_zh": list(decision.reasons_zh),
        "factors": [f["code"] for f in current.factors],
    }
    steps = _STEPS[decision.route]
    if decision.route == Route.STRAIGHT_THROUGH:
        data["customer_message"] = _customer_message(decision)
        gaps = stp_evidence_gaps(session, claim)
        if gaps:
            data[WAITING_FOR_EVIDENCE] = [gap.as_detail() for gap in gaps]
            steps = ()
    data[messages.MESSAGE] = messages.message(
        "history.routed",
        route=messages.code("route", decision.route),
        reasons=messages.both("；".join(decision.reasons_zh), "; ".join(decision.reasons_en)),
    )
    claim.record(SYSTEM, now, kind=ROUTED, to_status=None, data=data)
    session.flush()
    said = {
        ClaimAction.REFER_TO_SIU: messages.message(
            "history.siu_referral",
            grade=messages.code("grade", current.grade),
            score=current.score,
            factors=messages.both(
                "；".join(f["reason_zh"] for f in current.factors),
                "; ".join(f["reason_en"] for f in current.factors),
            ),
        ),
        ClaimAction.START_INVESTIGATION: messages.message("history.investigation_ordered"),
    }
    _drive(session, claim, steps, said, data.get("customer_message"), now, settings)
    publish(session, ClaimRouted(claim_id=claim.id, route=decision.route, at=now))
    return decision.route


def continue_straight_through(
    session: Session,
    *,
    claim_id: int,
    now: datetime,
    settings: Settings,
    evidence: DocumentEvidence,
) -> bool:
    """Pay a straight-through claim that waited for its documents, now under review with
    them complete: once, if its minimum evidence is read and it is still low risk."""
    claim = claims.get_claim(session, actor=SYSTEM, claim_id=claim_id, for_update=True)
    routed = [e for e in claim.events if e.kind == ROUTED]
    if (
        claim.status != ClaimStatus.UNDER_REVIEW
        or len(routed) != 1
        or WAITING_FOR_EVIDENCE not in routed[0].data
        or stp_evidence_gaps(session, claim)
    ):
        return False
    current = assess_claim(
        session,
        claim_id=claim.id,
        now=now,
        settings=settings,
        evidence=evidence,
        trigger="straight_through",
    )
    if current.grade != Grade.LOW:
        return False
    first = {k: v for k, v in routed[0].data.items() if k != WAITING_FOR_EVIDENCE}
    claim.record(
        SYSTEM,
        now,
        kind=ROUTED,
        to_status=None,
        data={
            **first,
            "resumed": True,
            "score": current.score,
            "grade": current.grade,
            messages.MESSAGE: messages.message("history.routed_resumed"),
        },
    )
    steps = tuple(a for a in _STEPS[Route.STRAIGHT_THROUGH] if a != ClaimAction.START_REVIEW)
    _drive(session, claim, steps, {}, routed[0].data.get("customer_message"), now, settings)
    return True


def _grade(assessment: RiskAssessment | None) -> str | None:
    return assessment.grade if assessment is not None else None


def _drive(
    session: Session,
    claim: Claim,
    steps: tuple[ClaimAction, ...],
    said: dict[ClaimAction, dict[str, Any]],
    customer_message: dict[str, Any] | None,
    now: datetime,
    settings: Settings,
) -> None:
    """Take the routing's steps as the system, stopping where a person must decide."""
    for action in steps:
        if action == ClaimAction.APPROVE and (claim.payable_amount or 0) <= 0:
            break  # nothing payable: a person decides (and explains a denial)
        if action == ClaimAction.PAY and _grade(latest(session, claim.id)) != Grade.LOW:
            break  # the data changed on the way and the claim is no longer low risk
        claim = claims.transition(
            session,
            actor=SYSTEM,
            claim_id=claim.id,
            command=TransitionIn(action=action),
            now=now,
            settings=settings,
            message=customer_message or said.get(action),
        )
