from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from claimdesk.messaging.enums import MessageChannel


class PreferencesIn(BaseModel):
    channels: list[MessageChannel] = Field(
        description="Channels to use, in order of preference (an empty list: only statutory "
        "notices, on any channel we have)."
    )
    language: str = Field(pattern="^(zh-CN|en)$")
    opt_out_non_statutory: bool = Field(
        description="No optional messages (status updates, surveys); statutory notices "
        "(acknowledgement, document requests, decisions, payments) always go."
    )


class PreferencesOut(PreferencesIn):
    customer_id: int
    email: bool = Field(description="Whether an e-mail address is on file.")
    phone: bool = Field(description="Whether a phone number is on file.")
    updated_at: datetime | None


class TemplateIn(BaseModel):
    source: str = Field(min_length=1, max_length=50_000)


class TemplateOut(BaseModel):
    event: str
    locale: str
    category: str
    source: str
    overridden: bool
    updated_at: datetime | None
    updated_by_id: int | None
    sample_params: dict[str, Any]


class PreviewIn(BaseModel):
    source: str | None = Field(
        default=None, max_length=50_000, description="A draft to preview; default: the stored one."
    )
    params: dict[str, Any] | None = Field(
        default=None, description="Values to show; default: the event's example values."
    )


class PreviewOut(BaseModel):
    event: str
    locale: str
    subject: str
    text: str
    html: str
    sms: str
