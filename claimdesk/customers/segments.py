"""Behaviour segments: customers clustered (scikit-learn k-means on standardised features),
each segment named and explained from its centroid.

Features per customer, as of the run:

- ``claims_per_year``: claims reported ÷ years as a customer (at least a quarter year);
- ``mean_claim_amount``: mean claimed amount (0 without claims);
- ``digital_share``: share of claims and tickets that came by web, app, API or assistant;
- ``tenure_years``: years since the first policy started (since sign-up without one);
- ``csat``: mean satisfaction score;
- ``products_held``: distinct products on the customer's policies.

A customer without contacts or survey answers gets the mean of all customers for that
feature, so a missing value does not push them into a segment of its own.

A segment is named after the two features whose centroid lies furthest from the average
(in standard deviations), e.g. "High claim frequency, short tenure", and explained with the
centroid's values against the average of all customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
from sqlalchemy import Float, Select, case, cast, delete, func, select
from sqlalchemy.orm import Session

from claimdesk.claims.enums import SELF_SERVICE_CHANNELS
from claimdesk.claims.models import Claim
from claimdesk.core.errors import ValidationFailed
from claimdesk.customers.models import Customer, CustomerSegment, SegmentationRun
from claimdesk.customers.schemas import SegmentationOut, SegmentOut
from claimdesk.policies.models import Policy
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support.enums import TicketChannel
from claimdesk.support.models import Survey, Ticket

DEFAULT_SEGMENTS = 4
DIGITAL_TICKET_CHANNELS = frozenset(
    {TicketChannel.WEB, TicketChannel.APP, TicketChannel.API, TicketChannel.ASSISTANT}
)


@dataclass(frozen=True)
class Feature:
    name: str
    en: str
    zh: str
    high_en: str
    low_en: str
    high_zh: str
    low_zh: str
    unit_en: str
    unit_zh: str
    places: int


FEATURES = (
    Feature("claims_per_year", "claim frequency", "出险频率", "High", "Low", "高", "低",
            " claims a year", " 次/年", 2),
    Feature("mean_claim_amount", "claim severity", "案均金额", "High", "Low", "高", "低",
            " CNY a claim", " 元/件", 0),
    Feature("digital_share", "digital channel use", "线上渠道使用", "Heavy", "Little", "多", "少",
            " of contacts online", " 线上占比", 2),
    Feature("tenure_years", "tenure", "客龄", "Long", "Short", "长", "短", " years", " 年", 1),
    Feature("csat", "satisfaction", "满意度", "High", "Low", "高", "低", " of 5", " 分", 2),
    Feature("products_held", "products held", "持有产品", "Many", "Few", "多", "少",
            " products", " 种", 1),
)  # fmt: skip


# ---------------------------------------------------------------- features


def _pairs(session: Session, query: Select[Any, Any]) -> dict[Any, Any]:
    return {key: value for key, value in session.execute(query)}


def features(session: Session, *, now: datetime) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Customer ids, their feature matrix (rows in id order, columns as FEATURES) and which
    features anyone has a value for."""
    customers = session.execute(select(Customer.id, Customer.created_at).order_by(Customer.id))
    ids, since = [], {}
    for customer_id, created_at in customers:
        ids.append(customer_id)
        since[customer_id] = created_at.date()
    first_policy = _pairs(
        session, select(Policy.holder_id, func.min(Policy.start_date)).group_by(Policy.holder_id)
    )
    products = _pairs(
        session,
        select(Policy.holder_id, func.count(func.distinct(Policy.product_id))).group_by(
            Policy.holder_id
        ),
    )
    digital_claim = case((Claim.channel.in_(list(SELF_SERVICE_CHANNELS)), 1), else_=0)
    claims = {
        row.customer_id: row
        for row in session.execute(
            select(
                Claim.customer_id,
                func.count(Claim.id).label("n"),
                func.avg(cast(Claim.claimed_amount, Float)).label("mean_amount"),
                func.sum(digital_claim).label("digital"),
            ).group_by(Claim.customer_id)
        )
    }
    digital_ticket = case((Ticket.channel.in_(list(DIGITAL_TICKET_CHANNELS)), 1), else_=0)
    tickets = {
        row.customer_id: row
        for row in session.execute(
            select(
                Ticket.customer_id,
                func.count(Ticket.id).label("n"),
                func.sum(digital_ticket).label("digital"),
            ).group_by(Ticket.customer_id)
        )
    }
    csat = _pairs(
        session,
        select(Survey.customer_id, func.avg(cast(Survey.score, Float)))
        .where(Survey.score.is_not(None))
        .group_by(Survey.customer_id),
    )
    today = now.date()
    rows = []
    for customer_id in ids:
        start = first_policy.get(customer_id) or since[customer_id]
        tenure = max((today - start).days / 365.25, 0.0)
        claim, ticket = claims.get(customer_id), tickets.get(customer_id)
        contacts = (claim.n if claim else 0) + (ticket.n if ticket else 0)
        online = (claim.digital if claim else 0) + (ticket.digital if ticket else 0)
        rows.append(
            [
                (claim.n if claim else 0) / max(tenure, 0.25),
                float(claim.mean_amount) if claim else 0.0,
                online / contacts if contacts else np.nan,
                tenure,
                float(csat[customer_id]) if customer_id in csat else np.nan,
                float(products.get(customer_id, 0)),
            ]
        )
    matrix = np.array(rows, dtype=float).reshape(len(ids), len(FEATURES))
    missing = np.isnan(matrix)
    observed = ~missing.all(axis=0)
    column_means = np.nanmean(np.where(missing.all(axis=0), 0, matrix), axis=0)
    matrix[missing] = np.take(column_means, np.nonzero(missing)[1])
    return ids, matrix, observed


# ---------------------------------------------------------------- naming


def _value(feature: Feature, value: float, zh: bool) -> str:
    return f"{value:.{feature.places}f}{feature.unit_zh if zh else feature.unit_en}"


def describe(
    centroid: np.ndarray, z: np.ndarray, overall: np.ndarray, observed: np.ndarray
) -> dict[str, str]:
    """Name and explain a segment from its centroid (real units) and its z-scores; features
    nobody has a value for (e.g. no survey answered yet) are left out."""
    shown = [i for i in range(len(FEATURES)) if observed[i]]
    top = sorted(shown, key=lambda i: -abs(z[i]))[:2]
    name_en, name_zh, why_en, why_zh = [], [], [], []
    for i in top:
        feature = FEATURES[i]
        high = z[i] >= 0
        name_en.append(f"{feature.high_en if high else feature.low_en} {feature.en}")
        name_zh.append(feature.zh + (feature.high_zh if high else feature.low_zh))
    for i, feature in enumerate(FEATURES):
        why_en.append(
            f"{feature.en} {_value(feature, centroid[i], False)} "
            f"(all customers {_value(feature, overall[i], False)})"
        )
        why_zh.append(
            f"{feature.zh}{_value(feature, centroid[i], True)}"
            f"（全体 {_value(feature, overall[i], True)}）"
        )
    ordered = top + [i for i in shown if i not in top]
    return {
        "name_en": ", ".join(name_en).capitalize(),
        "name_zh": "·".join(name_zh),
        "explanation_en": "; ".join(why_en[i] for i in ordered) + ".",
        "explanation_zh": "；".join(why_zh[i] for i in ordered) + "。",
    }


# ---------------------------------------------------------------- running


def recompute(
    session: Session, *, actor: Actor, now: datetime, segments: int = DEFAULT_SEGMENTS
) -> SegmentationRun:
    """Cluster every customer again and store the named segments; replaces the last run's
    assignments."""
    require(actor, "customers.segments.manage")
    ids, matrix, observed = features(session, now=now)
    if len(ids) < 2:
        raise ValidationFailed(
            "Segmentation needs at least 2 customers. / 至少需要 2 位客户才能分群。"
        )
    k = max(1, min(segments, len(ids), len(np.unique(matrix, axis=0))))
    scaler = StandardScaler().fit(matrix)
    scaled = scaler.transform(matrix)
    model = KMeans(n_clusters=k, n_init=10, random_state=0).fit(scaled)
    overall = matrix.mean(axis=0)
    described: list[dict[str, Any]] = []
    for label in range(k):
        members = model.labels_ == label
        centroid = matrix[members].mean(axis=0)
        described.append(
            {
                "code": f"segment-{label + 1}",
                "size": int(members.sum()),
                "centroid": {
                    f.name: round(float(v), 4) for f, v in zip(FEATURES, centroid, strict=True)
                },
                **describe(centroid, model.cluster_centers_[label], overall, observed),
            }
        )
    run = SegmentationRun(
        at=now,
        customers=len(ids),
        method=f"k-means k={k} on standardised features",
        segments=described,
    )
    session.add(run)
    session.flush()
    session.execute(delete(CustomerSegment))
    session.add_all(
        CustomerSegment(
            customer_id=customer_id,
            segment=described[int(label)]["code"],
            run_id=run.id,
            features={f.name: round(float(v), 4) for f, v in zip(FEATURES, row, strict=True)},
        )
        for customer_id, label, row in zip(ids, model.labels_, matrix, strict=True)
    )
    session.flush()
    return run


def latest_run(session: Session) -> SegmentationRun | None:
    return session.scalars(
        select(SegmentationRun).order_by(SegmentationRun.id.desc()).limit(1)
    ).first()


def _out(described: dict[str, Any]) -> SegmentOut:
    return SegmentOut(**{key: described[key] for key in SegmentOut.model_fields})


def segment_of(session: Session, customer_id: int) -> SegmentOut | None:
    """The customer's segment from the last run, or None before the first run."""
    assigned = session.get(CustomerSegment, customer_id)
    if assigned is None:
        return None
    run = session.get(SegmentationRun, assigned.run_id)
    assert run is not None
    return _out(next(s for s in run.segments if s["code"] == assigned.segment))


def describe_latest(session: Session, *, actor: Actor) -> SegmentationOut | None:
    """The last run's segments, named and explained (staff with customers.view_360)."""
    require(actor, "customers.view_360")
    run = latest_run(session)
    if run is None:
        return None
    return SegmentationOut(
        run_id=run.id,
        at=run.at,
        customers=run.customers,
        method=run.method,
        segments=[SegmentOut(**{k: s[k] for k in SegmentOut.model_fields}) for s in run.segments],
    )
