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
    waive_field_investigation: bool = Field(
        default=False,
        description="For 'approve': waive a required field investigation (a role with waiver "
        "authority, with a reason).",
    )
    dispute_id: int | None = Field(
        default=None, description="For 'approve_award': the settled dispute whose award is paid."
    )


class ReferralIn(BaseModel):
    """Refer a claim for approval to a named colleague whose authority covers it."""

    to_user_id: int = Field(description="The senior adjuster or supervisor referred to.")
    note: str = Field(min_length=1, max_length=4000, pattern=r"\S", description="Why, for them.")


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
    referred_to_id: int | None = Field(
        default=None, description="Staff only: the colleague the claim is referred to."
    )


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


class FieldInvestigationIn(BaseModel):
    """Open a field investigation of a claim (assign it now or later)."""

    assignee_id: int | None = Field(default=None, description="Who investigates (staff).")
    due_date: date
    instructions: str = Field(default="", max_length=4000)


class FieldInvestigationAssignIn(BaseModel):
    assignee_id: int
    due_date: date | None = None


class FieldInvestigationCompleteIn(BaseModel):
    findings: str = Field(min_length=1, max_length=8000, pattern=r"\S")
    outcome: str = Field(
        pattern="^(confirmed|discrepancies|inconclusive)$",
        description="confirmed (the loss is as reported), discrepancies, or inconclusive.",
    )


class FieldInvestigationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    claim_id: int
    status: str
    assignee_id: int | None
    due_date: date
    instructions: str
    findings: str | None
    outcome: str | None
    created_by_id: int | None
    created_at: datetime
    completed_by_id: int | None
    completed_at: datetime | None
    waive_reason: str | None


class FieldInvestigationsOut(BaseModel):
    """Whether routing requires a field investigation of the claim, why, and its tasks."""

    claim_id: int
    required: bool
    reasons: list[str]
    investigations: list[FieldInvestigationOut]
