from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from claimdesk.webhooks.enums import WebhookEvent


class SubscriptionIn(BaseModel):
    url: str = Field(min_length=8, max_length=2048, description="http(s) URL of the receiver.")
    events: list[WebhookEvent] = Field(min_length=1)
    description: str | None = Field(default=None, max_length=256)
    contact_email: EmailStr | None = Field(
        default=None, description="Told when the webhook is disabled after repeated failures."
    )
    locale: str = Field(default="en", pattern="^(zh-CN|en)$")


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    events: list[str]
    description: str | None
    contact_email: str | None
    locale: str
    active: bool
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(
        description="The signing secret (whsec_ + base64); shown once, keep it safe."
    )


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    msg_id: str
    event_type: str
    payload: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    log: list[AttemptOut] = Field(default_factory=list)
