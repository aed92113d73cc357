from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from claimdesk.claims.schemas import ClaimEventOut
from claimdesk.support.enums import AssignmentRule, Priority, TicketAction, TicketChannel


class ComplaintIn(BaseModel):
    category: str = Field(min_length=1, max_length=32, description="e.g. claim_delay, service")
    severity: str = Field(default="medium", pattern="^(low|medium|high|critical)$")
    root_cause: str | None = Field(default=None, max_length=4000)
    remedy: str | None = Field(default=None, max_length=4000)
    regulator_reportable: bool = False


class ComplaintUpdateIn(BaseModel):
    category: str | None = Field(default=None, min_length=1, max_length=32)
    severity: str | None = Field(default=None, pattern="^(low|medium|high|critical)$")
    root_cause: str | None = Field(default=None, max_length=4000)
    remedy: str | None = Field(default=None, max_length=4000)
    regulator_reportable: bool | None = None


class ComplaintOut(ComplaintIn):
    model_config = ConfigDict(from_attributes=True)


class TicketIn(BaseModel):
    kind: str = Field(min_length=1, max_length=32, description="consultation, claim_inquiry, ...")
    subject: str = Field(min_length=1, max_length=256)
    body: str = Field(min_length=1, max_length=8000, description="The customer's first message.")
    channel: TicketChannel | None = Field(
        default=None, description="Customers: web by default. Staff: the channel used."
    )
    customer_id: int | None = Field(default=None, description="Staff intake: whose ticket.")
    claim_id: int | None = None
    policy_id: int | None = None
    priority: Priority = Priority.NORMAL
    customer_tier: str | None = Field(
        default=None, max_length=16, description="Staff only; default 'standard'."
    )
    complaint: ComplaintIn | None = Field(default=None, description="For kind 'complaint'.")


class MessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=8000)
    internal: bool = Field(default=False, description="An internal note (staff only).")


class TicketTransitionIn(BaseModel):
    action: TicketAction
    reason: str | None = Field(default=None, max_length=4000)
    expected_version: int | None = None


class AssignIn(BaseModel):
    owner_id: int
    reason: str = Field(min_length=1, max_length=4000)


class TeamIn(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern="^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=128)
    kinds: list[str] = Field(min_length=1, description="Ticket kinds this team handles.")
    assignment_rule: AssignmentRule = AssignmentRule.ROUND_ROBIN
    lead_id: int | None = None
    supervisor_id: int | None = None
    member_ids: list[int] = Field(default_factory=list)


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kinds: list[str]
    assignment_rule: str
    lead_id: int | None
    supervisor_id: int | None
    member_ids: list[int]


class ClockOut(BaseModel):
    metric: str
    calendar: str
    target_minutes: int
    state: str
    paused: bool
    started_at: datetime
    warn_at: datetime | None
    due_at: datetime | None
    stopped_at: datetime | None
    escalation_level: int


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author_id: int | None
    author_role: str
    body: str
    internal: bool
    at: datetime


class TicketEventOut(BaseModel):
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


class ClaimProgressOut(BaseModel):
    """The linked claim as the agent (or customer) sees it: one shared timeline."""

    id: int
    number: str
    status: str
    acknowledgement: ClockOut | None
    timeline: list[ClaimEventOut]


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: int | None
    filename: str
    mime: str | None
    size: int
    uploaded_at: datetime
    error: str | None = Field(description="Why the file was refused (then it is not stored).")


class TicketOut(BaseModel):
    id: int
    number: str
    kind: str
    channel: str
    subject: str
    customer_id: int | None = Field(
        description="Null for an e-mail from an unknown sender until staff link the customer."
    )
    verified: bool = Field(
        default=True,
        description="False: an e-mail from an address no customer has (or that failed "
        "SPF/DKIM/DMARC); it gets no access to any customer's data.",
    )
    sender_address: str | None = Field(
        default=None, description="Staff only: the address an e-mail ticket came from."
    )
    attachments: list[AttachmentOut] = Field(default_factory=list)
    claim_id: int | None
    policy_id: int | None
    status: str
    priority: str
    customer_tier: str
    owner_id: int | None
    team_id: int | None
    version: int
    created_at: datetime
    first_response_at: datetime | None
    state_times: dict[str, datetime]
    sla: list[ClockOut]
    messages: list[MessageOut]
    events: list[TicketEventOut] | None = Field(default=None, description="Staff only.")
    complaint: ComplaintOut | None = None
    claim: ClaimProgressOut | None = None
    allowed_actions: list[str]


class SlaComplianceRow(BaseModel):
    team: str | None
    kind: str
    metric: str
    clocks: int
    met: int
    breached: int
    running: int
    compliance: float | None = Field(description="met / (met + breached); null if none ended.")


class SlaAlertOut(BaseModel):
    id: int
    at: datetime
    kind: str
    to_state: str | None
    clock_metric: str
    ticket_id: int | None
    claim_id: int | None


class StageIn(BaseModel):
    parties: list[str] = Field(default_factory=list, max_length=20)
    deadline: date | None = None
    documents: list[str] = Field(
        default_factory=list, max_length=50, description="Document references."
    )


class DisputeIn(StageIn):
    claim_id: int
    reason: str = Field(min_length=1, max_length=4000)


class DisputeStepIn(BaseModel):
    """Escalate to the next stage, or settle the current one with an outcome."""

    action: str = Field(pattern="^(escalate|settle|update)$")
    outcome: str | None = Field(
        default=None,
        pattern="^(decision_upheld|reassess|extra_payment|withdrawn)$",
        description="For 'settle'.",
    )
    notes: str | None = Field(default=None, max_length=4000)
    extra_amount: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    next_stage: StageIn | None = Field(default=None, description="For 'escalate'.")
    parties: list[str] | None = Field(default=None, max_length=20, description="For 'update'.")
    deadline: date | None = Field(default=None, description="For 'update'.")
    documents: list[str] | None = Field(default=None, max_length=50, description="For 'update'.")


class DisputeStageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    stage: str
    parties: list[str]
    deadline: date | None
    documents: list[str]
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    notes: str | None


class DisputeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    claim_id: int
    customer_id: int
    opened_at: datetime
    reason: str
    stage: str
    status: str
    outcome: str | None
    extra_amount: Decimal | None
    closed_at: datetime | None
    stages: list[DisputeStageOut]


class SurveyResponseIn(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=4000)


class SurveyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: str
    claim_id: int | None
    ticket_id: int | None
    customer_id: int
    channel: str
    product_code: str | None
    created_at: datetime
    expires_at: datetime
    score: int | None
    comment: str | None
    responded_at: datetime | None
    follow_up_ticket_id: int | None


class CsatRow(BaseModel):
    group: str | None
    responses: int
    average: float
    low_scores: int
