"""Assistant tables: knowledge-base entries, conversations and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claimdesk.assistant.enums import EntryStatus
from claimdesk.core.db import Base, UTCDateTime
from claimdesk.security.crypto import EncryptedText


class KbEntry(Base):
    """An article or FAQ entry in one language; ``key`` pairs it with its translation."""

    __tablename__ = "kb_entries"
    __table_args__ = (UniqueConstraint("key", "locale"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    product_code: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    # Other wordings of the title, one a line: how customers ask for this entry.
    questions: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=EntryStatus.DRAFT, index=True)
    # Rows shipped with ClaimDesk say "starter"; rows staff created say "staff".
    origin: Mapped[str] = mapped_column(String(16), default="staff")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Indexed: the assistant reads the newest change before every question.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What retrieval reads, kept with the entry so an index loads without recomputing:
    # the SHA-1 of the passage text and questions (knowledge.entry_hash), its BM25
    # terms (space-separated, made by tokenizer ``terms_version``) and its float32
    # vectors (passage and title rows) made by ``vector_model`` from the text whose
    # hash is ``vector_hash``.
    text_hash: Mapped[str | None] = mapped_column(String(40))
    terms: Mapped[str | None] = mapped_column(Text)
    terms_version: Mapped[int | None] = mapped_column(Integer)
    vectors: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    vector_model: Mapped[str | None] = mapped_column(String(64))
    vector_hash: Mapped[str | None] = mapped_column(String(40))


class Conversation(Base):
    """One chat with the assistant. It belongs to the user who started it (None: anonymous)
    and carries the dialogue's state: a claim being opened, the low-confidence streak."""

    __tablename__ = "assistant_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    locale: Mapped[str] = mapped_column(String(8))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    handoff_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    messages: Mapped[list[ConversationMessage]] = relationship(
        back_populates="conversation",
        order_by="ConversationMessage.id",
        cascade="all, delete-orphan",
    )


class ConversationMessage(Base):
    __tablename__ = "assistant_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("assistant_sessions.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(16))  # customer or assistant
    text: Mapped[str] = mapped_column(EncryptedText(context="assistant_messages.text"))
    intent: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    # The sources cited: {"id", "kind", "entry_id", "title"} each (earlier rows: the id only).
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
