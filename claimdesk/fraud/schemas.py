from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class FactorOut(BaseModel):
    code: str
    source: str
    weight: float
    reason_en: str
    reason_zh: str


class ContributionOut(BaseModel):
    """One of the learned model's largest contributions to this claim's score (exact
    TreeSHAP, in log-odds: positive raises the risk, negative lowers it)."""

    feature: str
    value: str
    weight: float
    label_en: str
    label_zh: str


class RiskHistoryOut(BaseModel):
    score: int
    grade: str
    trigger: str
    assessed_at: datetime
    method: str


class RiskOut(BaseModel):
    """A claim's current risk score, its factors and how it changed. Staff only."""

    claim_id: int
    score: int
    grade: str
    method: str
    trigger: str
    assessed_at: datetime
    rules_score: int
    model_probability: float | None
    factors: list[FactorOut]
    contributions: list[ContributionOut]
    model_note: str
    history: list[RiskHistoryOut]


class MonthOut(BaseModel):
    """Current risk scores of the product's claims reported in one month (local time)."""

    month: str
    claims: int
    mean_score: float
    median_score: float
    p90_score: float
    share_medium_or_above: float


class LabelledOut(BaseModel):
    """Claims with an investigation outcome, ranked by their current score: how many of the
    top ``capacity`` share were confirmed fraud, and what share of all frauds that is."""

    claims: int
    frauds: int
    reviewed: int
    precision_at_capacity: float | None
    recall_at_capacity: float | None


class ModelVersionOut(BaseModel):
    version: int
    active: bool
    holdout_auc: float | None
    training_rows: int
    created_at: datetime
    activation_note: str


class RiskMonitorOut(BaseModel):
    product: str
    capacity: float
    generated_at: datetime
    months: list[MonthOut]
    labelled: LabelledOut
    models: list[ModelVersionOut]
