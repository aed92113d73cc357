from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class BankAccountIn(BaseModel):
    bank_name: str = Field(min_length=1, max_length=128)
    account_number: str = Field(pattern=r"^[0-9 ]{8,34}$")
    holder_name: str = Field(min_length=1, max_length=128)


class BankAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    bank_name: str
    account_number: str
    holder_name: str
    verified: bool
    verification: str | None = Field(
        default=None, description="How it was verified: second_person or bank_proof."
    )


class CustomerIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    name_en: str | None = Field(default=None, max_length=128)
    gender: str | None = Field(default=None, pattern="^(female|male|other)$")
    birth_date: date | None = None
    id_type: str = Field(default="resident_id", pattern="^(resident_id|passport|other)$")
    id_number: str = Field(min_length=4, max_length=64)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{6,20}$")
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=512)
    preferred_locale: str = Field(default="zh-CN", pattern="^(zh-CN|en)$")
    bank_accounts: list[BankAccountIn] = Field(default_factory=list)


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    name_en: str | None
    gender: str | None
    birth_date: date | None
    id_type: str
    id_number: str
    phone: str | None
    email: str | None
    address: str | None
    preferred_locale: str
    created_at: datetime
    bank_accounts: list[BankAccountOut]


class MergeIn(BaseModel):
    duplicate_id: int = Field(description="The duplicate customer whose records move here.")
    reason: str = Field(min_length=1, max_length=500)


class MergeOut(BaseModel):
    customer_id: int
    duplicate_id: int
    moved: dict[str, int] = Field(description="Rows moved, per table.column.")


class PrivacyRequestIn(BaseModel):
    request: Literal["correction", "erasure"] = Field(
        description="correction: fix data that is wrong; erasure: delete my data."
    )
    details: str = Field(
        min_length=1,
        max_length=4000,
        description="What to correct (and the right value) or what to erase, and why.",
    )
    channel: Literal["web", "app", "api", "phone", "counter", "email"] | None = Field(
        default=None, description="Customers: web by default; staff: counter by default."
    )


# ---------------------------------------------------------------- loyalty


class TierOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    benefits_zh: list[str]
    benefits_en: list[str]


class LoyaltyEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    reason: str
    points: int
    balance_after: int
    note: str | None
    at: datetime
    text: str | None = Field(
        default=None,
        description="The reason (a code: self_service_claim, benefit:health_checkup) by its "
        "name, in the language Accept-Language asks for (zh-CN, en).",
    )


class LoyaltyOut(BaseModel):
    balance: int
    earned_total: int
    tier: TierOut
    next_tier: TierOut | None
    points_to_next_tier: int | None
    entries: list[LoyaltyEntryOut] = Field(description="The latest movements, newest first.")


class RedemptionIn(BaseModel):
    benefit: str = Field(description="A benefit code, e.g. health_checkup.")
    idempotency_key: str = Field(min_length=1, max_length=64)


# ---------------------------------------------------------------- customer 360


class LabelOut(BaseModel):
    code: str
    rule: str
    reason_en: str
    reason_zh: str


class SegmentOut(BaseModel):
    code: str
    name_en: str
    name_zh: str
    explanation_en: str
    explanation_zh: str
    size: int


class PolicyBrief(BaseModel):
    id: int
    number: str
    product_code: str
    start_date: date
    end_date: date
    status: str
    in_force: bool


class ClaimBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str | None
    claim_type: str
    channel: str
    status: str
    claimed_amount: Decimal
    paid_amount: Decimal
    reported_at: datetime


class TicketBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    kind: str
    channel: str
    subject: str
    status: str
    created_at: datetime


class SurveyBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: str
    channel: str
    score: int | None
    comment: str | None
    created_at: datetime
    responded_at: datetime | None


class NotificationBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    template: str
    subject: str
    state: str
    created_at: datetime
    sent_at: datetime | None


class Customer360Out(BaseModel):
    profile: CustomerOut
    lifecycle_stage: LabelOut | None = Field(
        description="prospect, new, active, at_risk or lapsed (staff only: null for customers)."
    )
    segment: SegmentOut | None = Field(
        description="From the last segmentation run, if any (staff only: null for customers)."
    )
    next_best_service: LabelOut | None = Field(
        description="What staff should offer next (staff only: null for customers)."
    )
    loyalty: LoyaltyOut
    policies: list[PolicyBrief]
    claims: list[ClaimBrief]
    tickets: list[TicketBrief]
    surveys: list[SurveyBrief]
    notifications: list[NotificationBrief]


class SegmentationOut(BaseModel):
    run_id: int
    at: datetime
    customers: int
    method: str
    segments: list[SegmentOut]
