"""Tables of customer communications: contact preferences, staff-edited templates and the log
of e-mails received by the gateway."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claimdesk.core.db import Base, UTCDateTime


class ContactPreference(Base):
    """How a customer wants to hear from us (the language is the customer's preferred_locale).

    No row: every channel the customer has an address for, optional messages included.
    """

    __tablename__ = "contact_preferences"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    opt_out_non_statutory: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageTemplate(Base):
    """A template staff changed; the shipped default (a file) applies where there is none."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("event", "locale"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundEmail(Base):
    """An e-mail the gateway accepted and what became of it (once per Message-ID)."""

    __tablename__ = "inbound_emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(512), unique=True)
    sender: Mapped[str] = mapped_column(String(256))
    subject: Mapped[str] = mapped_column(String(256))
    size: Mapped[int] = mapped_column(Integer)
    spf: Mapped[str | None] = mapped_column(String(16))
    dkim: Mapped[str | None] = mapped_column(String(16))
    dmarc: Mapped[str | None] = mapped_column(String(16))
    verified: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("notification_outbox.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
