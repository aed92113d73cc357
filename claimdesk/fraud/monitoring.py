"""Risk monitoring: how a product's current risk scores are distributed by report month
(drift shows as a moving distribution), how precise the top of the ranking is on the
claims whose investigation has an outcome (precision at the review capacity), and the
registered model versions. Read only."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claimdesk.claims.models import Claim
from claimdesk.core.clock import local_date
from claimdesk.core.errors import NotFound, ValidationFailed
from claimdesk.fraud import registry
from claimdesk.fraud.models import RiskAssessment
from claimdesk.fraud.schemas import LabelledOut, ModelVersionOut, MonthOut, RiskMonitorOut
from claimdesk.policies.models import Policy, Product
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor


def risk_monitor(
    session: Session,
    *,
    actor: Actor,
    product_code: str,
    capacity: float,
    timezone: str,
    now: datetime,
) -> RiskMonitorOut:
    require(actor, "analytics.view")
    if not 0 < capacity <= 1:
        raise ValidationFailed(
            "The review capacity is a share of claims, above 0 and at most 1.",
            details=[{"field": "capacity"}],
        )
    if session.scalar(select(Product.id).where(Product.code == product_code)) is None:
        raise NotFound(f"There is no product '{product_code}'.")
    newest = (
        select(func.max(RiskAssessment.id).label("id"))
        .join(Claim, Claim.id == RiskAssessment.claim_id)
        .join(Policy, Policy.id == Claim.policy_id)
        .join(Product, Product.id == Policy.product_id)
        .where(Product.code == product_code)
        .group_by(RiskAssessment.claim_id)
        .subquery()
    )
    rows = session.execute(
        select(RiskAssessment.score, Claim.reported_at, Claim.investigation_outcome)
        .join(newest, newest.c.id == RiskAssessment.id)
        .join(Claim, Claim.id == RiskAssessment.claim_id)
    ).all()
    by_month: dict[str, list[int]] = defaultdict(list)
    labelled: list[tuple[int, int]] = []
    for score, reported_at, outcome in rows:
        by_month[local_date(reported_at, timezone).strftime("%Y-%m")].append(score)
        label = registry.label_of(outcome)
        if label is not None:
            labelled.append((score, label))
    months = [
        MonthOut(
            month=month,
            claims=len(scores),
            mean_score=round(float(np.mean(scores)), 2),
            median_score=float(np.median(scores)),
            p90_score=float(np.percentile(scores, 90)),
            share_medium_or_above=round(sum(s >= 20 for s in scores) / len(scores), 4),
        )
        for month, scores in sorted(by_month.items())
    ]
    labelled.sort(key=lambda item: -item[0])
    frauds = sum(label for _, label in labelled)
    reviewed = max(1, round(len(labelled) * capacity)) if labelled else 0
    caught = sum(label for _, label in labelled[:reviewed])
    return RiskMonitorOut(
        product=product_code,
        capacity=capacity,
        generated_at=now,
        months=months,
        labelled=LabelledOut(
            claims=len(labelled),
            frauds=frauds,
            reviewed=reviewed,
            precision_at_capacity=round(caught / reviewed, 4) if reviewed else None,
            recall_at_capacity=round(caught / frauds, 4) if frauds else None,
        ),
        models=[
            ModelVersionOut(
                version=m.version,
                active=m.active,
                holdout_auc=m.metrics.get("holdout_auc"),
                training_rows=m.training_rows,
                created_at=m.created_at,
                activation_note=m.activation_note,
            )
            for m in registry.versions(session, product_code)
        ],
    )
