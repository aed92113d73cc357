from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from claimdesk.claims.enums import Channel, ClaimAction


class LossLineIn(BaseModel):
    coverage_code: str | None = Field(
        default=None, description="Coverage the item falls under; defaults to the claim type."
    )
    description: str = Field(min_length=1, max_length=256)
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    cause_codes: list[str] = Field(default_factory=list)


class LossLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    coverage_code: str
    description: str
    amount: Decimal
    cause_codes: list[str]
    source: str


class ClaimIn(BaseModel):
    policy_id: int
    claim_type: str = Field(min_length=1, max_length=32, description="A coverage of the product.")
    incident_date: date
    description: str = Field(min_length=1, max_length=4000)
    claimed_amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")
    channel: Channel | None = None
    incident_location: str = Field(default="", max_length=256)
    loss_lines: list[LossLineIn] = Field(default_factory=list)
    customer_id: int | None = Field(
        default=None, description="Claimant, for staff intake; defaults to the policy holder."
    )
    bank_account_id: int | None = None


class TransitionIn(BaseModel):
    action: ClaimAction
    reason: str | None = Field(default=None, max_length=4000)
    expected_version: int | None = Field(
        default=None, description="Refuse with 409 if the claim changed since this version."
    )
    loss_lines: list[LossLineIn] | None = Field(default=None, description="For 'assess'.")
    documents: list[str] = Field(default_factory=list, description="For 'request_documents'.")
    amount: Decimal | None = Field(
        default=None, gt=0, max_digits=14, decimal_places=2, description="For 'pay': partial."
    )
    idempotency_key: str | None = Field(default=None, max_length=128, description="For 'pay'.")
    bank_account_id: int | None = Field(default=None, description="For 'pay'.")
    feedback: str | None = Field(default=None, max_length=4000, description="For 'close'.")
    waive_documents: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="For 'approve' and 'pay': required document kinds to waive (a role with "
        "waiver authority, with a reason).",
    )
    dispute_id: int | None = Field(
        default=None, description="For 'approve_award': the settled dispute whose award is paid."
    )


class DocumentNeeded(BaseModel):
    kind: str
    name_en: str
    name_zh: str


class StatutoryOut(BaseModel):
    completed_at: datetime | None
    decision_due_at: datetime | None
    state: str
    days_left: int | None


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    amount: Decimal
    currency: str
    bank_account_id: int
    paid_at: datetime


class ClaimOut(BaseModel):
    id: int
    number: str
    policy_id: int
    policy_number: str
    customer_id: int
    claim_type: str
    channel: str
    incident_date: date
    incident_location: str
    description: str
    claimed_amount: Decimal
    currency: str
    status: str
    version: int
    assessed_amount: Decimal | None
    payable_amount: Decimal | None
    approved_amount: Decimal
    paid_amount: Decimal
    outstanding_amount: Decimal
    decision_reason: str | None
    loss_lines: list[LossLineOut]
    required_documents: list[DocumentNeeded]
    payments: list[PaymentOut]
    state_times: dict[str, datetime]
    statutory: StatutoryOut
    cycle_time_working_days: int
    allowed_actions: list[str]
    siu_referred: bool | None = Field(default=None, description="Staff only.")
    waived_documents: list[str] | None = Field(
        default=None, description="Staff only: required document kinds waived."
    )
    reported_by_id: int | None = None


class ClaimEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_role: str
    kind: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    data: dict[str, Any]


class WaiverOut(BaseModel):
    """Required documents waived before money moved on a claim."""

    claim_id: int
    claim_number: str
    at: datetime
    actor_id: int | None
    actor_role: str
    action: str
    kinds: list[str]
    amount: Decimal
    reason: str | None
