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
