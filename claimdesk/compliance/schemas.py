from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class QualificationIn(BaseModel):
    kind: str = Field(min_length=1, max_length=32, description="e.g. claims_adjuster")
    number: str = Field(default="", max_length=64, description="Certificate number.")
    issuer: str = Field(default="", max_length=128, description="Issuing body.")
    issued_on: date
    expires_on: date | None = Field(default=None, description="Null: does not expire.")

    @model_validator(mode="after")
    def _expires_after_issue(self) -> QualificationIn:
        if self.expires_on is not None and self.expires_on < self.issued_on:
            raise ValueError("expires_on is before issued_on")
        return self


class QualificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    username: str
    kind: str
    kind_en: str
    kind_zh: str
    number: str
    issuer: str
    issued_on: date
    expires_on: date | None
    state: str = Field(description="valid, expiring (within the warning window) or expired.")
    days_left: int | None
    recorded_at: datetime


class TrainingIn(BaseModel):
    course: str = Field(min_length=1, max_length=256)
    provider: str = Field(default="", max_length=128)
    topic: str = Field(default="", max_length=32, description="e.g. compliance, claims, service")
    hours: Decimal = Field(gt=0, le=1000, max_digits=5, decimal_places=1)
    completed_on: date


class TrainingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    course: str
    provider: str
    topic: str
    hours: Decimal
    completed_on: date
    recorded_at: datetime


class TrainingStandingOut(BaseModel):
    user_id: int
    username: str
    full_name: str
    role: str
    year: int
    hours: Decimal
    required_hours: Decimal
    shortfall: Decimal
    met: bool


class StaffTrainingOut(BaseModel):
    standing: TrainingStandingOut
    records: list[TrainingOut]
