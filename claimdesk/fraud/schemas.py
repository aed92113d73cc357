from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class FactorOut(BaseModel):
    code: str
    source: str
    weight: float
    reason_en: str
    reason_zh: str


class RiskHistoryOut(BaseModel):
    score: int
    grade: str
    trigger: str
    assessed_at: datetime


class RiskOut(BaseModel):
    """A claim's current risk score, its factors and how it changed. Staff only."""

    claim_id: int
    score: int
    grade: str
    method: str
    trigger: str
    assessed_at: datetime
    factors: list[FactorOut]
    model_note: str
    history: list[RiskHistoryOut]
