from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from claimdesk.catastrophe.enums import EventStatus, Outcome, Peril
from claimdesk.claims.enums import Channel
from claimdesk.claims.schemas import LossLineIn

MAX_ROWS_PER_REQUEST = 500


class EventIn(BaseModel):
    code: str = Field(
        min_length=3, max_length=40, pattern=r"^[A-Z0-9][A-Z0-9-]*$", examples=["TY-2026-HAIKUI"]
    )
    name_zh: str = Field(min_length=1, max_length=128)
    name_en: str = Field(min_length=1, max_length=128)
    peril: Peril
    region: str = Field(min_length=1, max_length=128)
    started_at: datetime


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name_zh: str
    name_en: str
    peril: Peril
    region: str
    started_at: datetime
    status: EventStatus
    declared_by_id: int | None
    declared_at: datetime
    closed_by_id: int | None
    closed_at: datetime | None


class EventSummaryOut(EventOut):
    claims: int
    by_lane: dict[str, int]
    by_status: dict[str, int]
    total_claimed: Decimal
    total_approved: Decimal
    total_paid: Decimal


class BulkClaimIn(BaseModel):
    """One row of bulk intake. ``external_ref`` (the caller's own reference, unique within
    the event) is the idempotency key: sending the row again creates nothing."""

    external_ref: str = Field(min_length=1, max_length=64)
    policy_number: str = Field(min_length=1, max_length=32)
    claim_type: str = Field(min_length=1, max_length=32)
    incident_date: date
    incident_location: str = Field(default="", max_length=256)
    description: str = Field(min_length=1, max_length=4000)
    claimed_amount: Decimal | None = Field(
        default=None, gt=0, max_digits=14, decimal_places=2, description="Default: the lines' sum."
    )
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")
    loss_lines: list[LossLineIn] = Field(default_factory=list)
    channel: Channel | None = Field(default=None, description="Default: the request's channel.")
    bank_account_id: int | None = None
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="First-notice attributes, per the product's schema."
    )


class RowResult(BaseModel):
    line: int = Field(description="Row number in the request (1 first) or line in the CSV file.")
    external_ref: str | None
    outcome: Outcome
    claim_id: int | None = None
    claim_number: str | None = None
    lane: str | None = None
    priority: int | None = None
    reason: str | None = Field(
        default=None,
        description="Why the row was rejected, in English (as the rejected-rows file of the "
        "command line says it).",
    )
    message: dict[str, Any] | None = Field(
        default=None,
        description="Why the row was rejected, as a message key and parameters "
        "(claimdesk.core.messages).",
    )
    text: str | None = Field(
        default=None,
        description="Why the row was rejected, in the language Accept-Language asks for "
        "(zh-CN, en).",
    )


class IntakeOut(BaseModel):
    event: str
    created: int
    already_present: int
    rejected: int
    rows: list[RowResult]


class QueueItemOut(BaseModel):
    claim_id: int
    claim_number: str
    external_ref: str
    status: str
    lane: str
    priority: int
    reasons_en: list[str]
    reasons_zh: list[str]
    claim_type: str
    claimed_amount: Decimal
    currency: str
    reported_at: datetime
    triaged_at: datetime
