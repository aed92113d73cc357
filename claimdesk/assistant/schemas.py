from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from claimdesk.assistant.enums import EntryKind

LocaleField = Field(pattern="^(en|zh-CN)$", description="en or zh-CN")


class EntryIn(BaseModel):
    key: str = Field(min_length=1, max_length=64, pattern="^[a-z0-9][a-z0-9-]*$")
    locale: str = LocaleField
    kind: EntryKind = EntryKind.FAQ
    category: str = Field(min_length=1, max_length=32)
    product_code: str | None = Field(default=None, max_length=32)
    title: str = Field(min_length=1, max_length=256)
    body: str = Field(min_length=1, max_length=8000)


class EntryUpdateIn(BaseModel):
    kind: EntryKind | None = None
    category: str | None = Field(default=None, min_length=1, max_length=32)
    product_code: str | None = Field(default=None, max_length=32)
    title: str | None = Field(default=None, min_length=1, max_length=256)
    body: str | None = Field(default=None, min_length=1, max_length=8000)


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    locale: str
    kind: str
    category: str
    product_code: str | None
    title: str
    body: str
    status: str
    origin: str
    updated_at: datetime


class MessageIn(BaseModel):
    session_id: str | None = Field(
        default=None, max_length=32, description="Continue this conversation (yours only)."
    )
    text: str = Field(min_length=1, max_length=2000)
    locale: str | None = Field(
        default=None,
        pattern="^(en|zh-CN)$",
        description="Reply language; by default the language the text is written in.",
    )


class SourceOut(BaseModel):
    id: str = Field(
        description="<locale>/<key> of a knowledge-base entry, or policy/<number>/<clause> "
        "of a clause of the customer's policy, or claim/<number>"
    )
    kind: str = Field(default="entry", description="entry, clause or claim")
    entry_id: int | None = Field(default=None, description="The entry's id (entries only)")
    title: str


class ReplyOut(BaseModel):
    session_id: str
    answer: str
    locale: str
    intent: str
    confidence: float | None = Field(
        description="0-1 for knowledge-base answers; null when answered from your records."
    )
    sources: list[SourceOut]
    handoff_ticket_id: int | None = None
    handoff_offered: bool = Field(
        default=False,
        description="True when the assistant was not sure: a person can take over "
        "(say 转人工 / talk to a person).",
    )
