"""The model registry: train a product's fraud model from ClaimDesk's own records, keep every
version (file under the data dir, row in ``risk_models``), activate a version only when it
beats the active one, and score a live claim with the active version."""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from claimdesk.claims.models import Claim
from claimdesk.config import Settings
from claimdesk.core.errors import NotFound
from claimdesk.documents.models import Document
from claimdesk.fraud import learned, rules
from claimdesk.fraud.enums import InvestigationOutcome
from claimdesk.fraud.models import RiskAssessment, RiskModel
from claimdesk.policies import attribute_schema
from claimdesk.policies.models import Policy, Product

MODELS_DIR = "models"
_LABELS = {InvestigationOutcome.FRAUD_CONFIRMED.value: 1, InvestigationOutcome.CLEARED.value: 0}


def label_of(outcome: str | None) -> int | None:
    """The training label an investigation outcome gives (inconclusive or none: no label)."""
    return _LABELS.get(outcome or "")


def _ratio(amount: Decimal, sum_insured: Decimal) -> float:
    return float(amount / sum_insured) if sum_insured > 0 else 0.0


def _record(
    claim: Claim,
    policy: Policy,
    prior: int,
    documents: int,
    fired: frozenset[str] = frozenset(),
) -> learned.ClaimRecord:
    return learned.ClaimRecord(
        claim_id=claim.id,
        reported_at=claim.reported_at,
        claim_attributes=dict(claim.attributes or {}),
        insured_object=dict(policy.insured_object or {}),
        prior_claims=prior,
        days_since_inception=(claim.incident_date - policy.start_date).days,
        amount_to_sum_insured=_ratio(claim.claimed_amount, policy.sum_insured),
        documents=documents,
        label=label_of(claim.investigation_outcome),
        rules=fired,
    )


def product_records(session: Session, product_code: str) -> list[learned.ClaimRecord]:
    """Every claim of the product as the model reads it (a few queries, not one a claim)."""
    rows = session.execute(
        select(Claim, Policy)
        .join(Policy, Policy.id == Claim.policy_id)
        .join(Product, Product.id == Policy.product_id)
        .where(Product.code == product_code, Claim.number.is_not(None))
    ).all()
    times: dict[int, list[datetime]] = defaultdict(list)
    for customer_id, at in session.execute(select(Claim.customer_id, Claim.reported_at)):
        times[customer_id].append(at)
    for values in times.values():
        values.sort()
    documents: dict[int, int] = {
        claim_id: count
        for claim_id, count in session.execute(
            select(Document.claim_id, func.count()).group_by(Document.claim_id)
        )
    }
    first = (
        select(func.min(RiskAssessment.id).label("id"))
        .where(RiskAssessment.trigger == "reported")
        .group_by(RiskAssessment.claim_id)
        .subquery()
    )
    fired: dict[int, frozenset[str]] = {
        claim_id: frozenset(f["code"] for f in factors)
        for claim_id, factors in session.execute(
            select(RiskAssessment.claim_id, RiskAssessment.factors).join(
                first, first.c.id == RiskAssessment.id
            )
        )
    }
    return [
        _record(
            claim,
            policy,
            bisect.bisect_right(times[claim.customer_id], claim.reported_at) - 1,
            documents.get(claim.id, 0),
            fired.get(claim.id, frozenset()),
        )
        for claim, policy in rows
    ]


def claim_record(
    session: Session, claim: Claim, fired: frozenset[str] = frozenset()
) -> learned.ClaimRecord:
    """One claim as the model reads it, now (``fired``: the rules that fire now)."""
    prior = session.scalar(
        select(func.count())
        .select_from(Claim)
        .where(
            Claim.customer_id == claim.customer_id,
            Claim.id != claim.id,
            Claim.reported_at <= claim.reported_at,
        )
    )
    documents = session.scalar(
        select(func.count()).select_from(Document).where(Document.claim_id == claim.id)
    )
    return _record(claim, claim.policy, int(prior or 0), int(documents or 0), fired)


def active_model(session: Session, product_code: str) -> RiskModel | None:
    return session.scalars(
        select(RiskModel).where(RiskModel.product_code == product_code, RiskModel.active)
    ).one_or_none()


def versions(session: Session, product_code: str) -> list[RiskModel]:
    return list(
        session.scalars(
            select(RiskModel)
            .where(RiskModel.product_code == product_code)
            .order_by(RiskModel.version)
        )
    )


@lru_cache(maxsize=16)
def _load(path: str, sha256: str) -> learned.ProductModel:
    return learned.ProductModel.load(Path(path))


def load(settings: Settings, row: RiskModel) -> learned.ProductModel:
    """The model file of a registered version (read once per process)."""
    return _load(str((settings.data_dir / row.path).resolve()), row.sha256)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class TrainingReport:
    model: RiskModel
    activated: bool
    note: str
    compared_on: int  # holdout claims both models were judged on (0: recorded metrics)
    active_auc: float | None
    candidate_auc: float


def _compare(
    session: Session, settings: Settings, trained: learned.Trained, active: RiskModel | None
) -> tuple[float, float | None, int]:
    """Candidate and active AUC on the same holdout claims: those the active model was not
    trained on (reported after its training window), when they have both outcomes; else
    the candidate's holdout AUC against the active one's recorded holdout AUC."""
    candidate = float(trained.metrics["holdout_auc"])
    if active is None:
        return candidate, None, 0
    recorded = float(active.metrics.get("holdout_auc", 0.0))
    try:
        current = load(settings, active)
    except (OSError, learned.TrainingError):
        return candidate, recorded, 0
    after = active.training_to
    claims = {
        c.id: c.reported_at
        for c in session.scalars(select(Claim).where(Claim.id.in_(trained.holdout.claim_ids)))
    }
    unseen = np.array([claims.get(i, after) > after for i in trained.holdout.claim_ids])
    labels = trained.holdout.labels[unseen]
    if unseen.sum() == 0 or len(set(labels.tolist())) < 2:
        return candidate, recorded, 0
    frame = learned.frame_of([], current.features)  # columns of the active model's features
    if set(frame.columns) != set(trained.holdout.frame.columns):
        return candidate, recorded, 0
    theirs = current.raw(trained.holdout.frame[list(frame.columns)][unseen])
    mine = trained.holdout_scores[unseen]
    return (
        float(learned.auc_on(labels, mine) or 0.0),
        float(learned.auc_on(labels, theirs) or 0.0),
        int(unseen.sum()),
    )


def train_from_database(
    session: Session,
    *,
    product_code: str,
    settings: Settings,
    now: datetime,
    force_activate: bool = False,
) -> TrainingReport:
    """Train the product's model on its claims, register it as the next version and
    activate it when it beats the active one (or when forced)."""
    if session.scalar(select(Product.id).where(Product.code == product_code)) is None:
        raise NotFound(f"There is no product '{product_code}'.")
    records = product_records(session, product_code)
    trained = learned.train(
        records,
        product_code=product_code,
        schema=attribute_schema.schema_for(product_code),
        now=now,
        rule_codes=tuple(rules.config().rules),
    )
    active = active_model(session, product_code)
    candidate_auc, active_auc, compared_on = _compare(session, settings, trained, active)
    version = (
        session.scalar(
            select(func.max(RiskModel.version)).where(RiskModel.product_code == product_code)
        )
        or 0
    ) + 1
    relative = Path(MODELS_DIR) / product_code / f"v{version}.joblib"
    trained.model.save(settings.data_dir / relative)
    better = learned.should_activate(candidate_auc, active_auc)
    activate = better or force_activate
    if active is None:
        note = "first model of the product"
    else:
        where = f"on {compared_on} holdout claims" if compared_on else "recorded holdout AUC"
        note = f"AUC {candidate_auc:.4f} vs active {active.name} {active_auc:.4f} ({where})" + (
            "" if better else "; not better" + (", activated by force" if activate else "")
        )
    metrics: dict[str, Any] = {
        **trained.metrics,
        "compared_auc": round(candidate_auc, 4),
        "active_auc": None if active_auc is None else round(active_auc, 4),
        "compared_on": compared_on,
    }
    row = RiskModel(
        product_code=product_code,
        version=version,
        path=relative.as_posix(),
        sha256=_sha256(settings.data_dir / relative),
        metrics=metrics,
        features=[f.name for f in trained.model.features],
        training_from=trained.training_from,
        training_to=trained.training_to,
        training_rows=trained.rows,
        active=False,
        activation_note=note[:512],
        created_at=now,
    )
    session.add(row)
    session.flush()
    if activate:
        activate_version(session, row, now=now)
    return TrainingReport(row, activate, note, compared_on, active_auc, candidate_auc)


def activate_version(session: Session, row: RiskModel, *, now: datetime) -> None:
    """Make this version the product's only active one."""
    session.execute(
        update(RiskModel)
        .where(RiskModel.product_code == row.product_code, RiskModel.id != row.id)
        .values(active=False)
    )
    row.active = True
    row.activated_at = now
    session.flush()


@dataclass(frozen=True)
class ModelScore:
    name: str
    probability: float
    contributions: list[dict[str, Any]]
    learned_rules: frozenset[str]


def score_claim(
    session: Session, claim: Claim, *, settings: Settings, fired: frozenset[str]
) -> ModelScore | None:
    """The active model's probability and top contributions for the claim (``fired``: the
    rules that fire on it now), or None when its product has no active model."""
    row = active_model(session, claim.policy.product.code)
    if row is None:
        return None
    model = load(settings, row)
    probability, contributions = model.explain(claim_record(session, claim, fired))
    return ModelScore(
        row.name, probability, [c.to_dict() for c in contributions], model.learned_rules
    )
