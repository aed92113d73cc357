from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from claimdesk.claims.enums import Channel, ClaimAction
from claimdesk.fraud.enums import InvestigationOutcome


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
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        description="What was collected at first notice, per the product's attribute schema "
        "(e.g. motor: fault, accident_area, police_report_filed); unknown or invalid -> 422.",
    )


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
    investigation_outcome: InvestigationOutcome | None = Field(
        default=None,
        description="For 'assess' or 'deny' of an investigated claim: how the investigation "
        "ended (fraud_confirmed only with 'deny').",
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


class StatutoryClockOut(BaseModel):
    """A statutory clock (PRC Insurance Law arts. 23-25) on the business calendar."""

    rule: str = Field(
        description="decision_30d, payment_10d, denial_notice_3d or advance_payment_60d."
    )
    started_at: datetime
    due_at: datetime
    state: str = Field(description="running, warning, breached, met, met_late or cancelled.")
    met_at: datetime | None
    warn_at: datetime | None = None
    article: int | None = None
    provisional: bool = Field(
        default=False,
        description="The period touches a year the holiday calendar does not know: counted "
        "Monday to Friday without holidays (calendar_note), the due time may still move.",
    )
    calendar_note: str | None = None


class StatutoryKpiOut(BaseModel):
    rule: str
    clocks: int
    met: int
    met_late: int
    breached: int
    running: int
    met_on_time: float | None


class AdvancePaymentIn(BaseModel):
    """Art. 25: advance the amount already determinable while the full amount is not."""

    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    reason: str | None = Field(default=None, max_length=4000)
    bank_account_id: int | None = None
    idempotency_key: str | None = Field(default=None, max_length=128)
    waive_documents: list[str] = Field(default_factory=list)


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
    statutory_clocks: list[StatutoryClockOut] = Field(default_factory=list)
    cycle_time_working_days: int
    allowed_actions: list[str]
    siu_referred: bool | None = Field(default=None, description="Staff only.")
    waived_documents: list[str] | None = Field(
        default=None, description="Staff only: required document kinds waived."
    )
    reported_by_id: int | None = None
    reserve_amount: Decimal | None = Field(
        default=None, description="Staff only: the outstanding case reserve."
    )
    incurred_amount: Decimal | None = Field(
        default=None, description="Staff only: paid so far plus the outstanding case reserve."
    )
    attributes: dict[str, str | int | bool] = Field(default_factory=dict)
    investigation_outcome: str | None = Field(default=None, description="Staff only.")
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
    text: str | None = Field(
        default=None,
        description="What the entry says, in the language Accept-Language asks for (zh-CN, "
        "en): the system's message (data.message, a key and parameters) rendered, then the "
        "reason a person gave.",
    )


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


class ReserveIn(BaseModel):
    """A handler's change of a claim's case reserve."""

    amount: Decimal = Field(max_digits=14, decimal_places=2, description="The new reserve, >= 0.")
    reason: str = Field(max_length=4000, description="Why the reserve changes.")


class ReserveOut(BaseModel):
    """One step of a claim's case reserve."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str = Field(description="initial, changed, paid, released or reopened.")
    amount: Decimal = Field(description="The reserve after this step.")
    previous_amount: Decimal
    reason: str | None
    actor_id: int | None
    actor_role: str
    at: datetime
    data: dict[str, Any]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def actor(self) -> dict[str, Any]:
        """Who: the user's id (None for the system) and role, as in the ledger."""
        return {"id": self.actor_id, "role": self.actor_role}


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
