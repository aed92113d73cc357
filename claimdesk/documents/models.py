from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claimdesk.core.db import Base, UTCDateTime
from claimdesk.documents.enums import DocumentStatus
from claimdesk.security.crypto import EncryptedText, JSONWithEncryptedKeys


class Document(Base):
    """A file uploaded to a claim; its bytes live in the content-addressed store by sha256."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("claim_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(256))
    pages: Mapped[int] = mapped_column(Integer, default=1)
    # The kind the uploader named, and the kind reading found in the text.
    declared_kind: Mapped[str | None] = mapped_column(String(48))
    detected_kind: Mapped[str | None] = mapped_column(String(48))
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.RECEIVED, index=True)
    # Sensitive (medical): the text read and the extracted diagnosis are stored encrypted.
    text: Mapped[str | None] = mapped_column(EncryptedText(context="documents.text"))
    fields: Mapped[dict[str, str]] = mapped_column(
        JSONWithEncryptedKeys(keys=("diagnosis", "id_number"), context="documents.fields"),
        default=dict,
    )
    # How sure reading is of each field (0 to 1); None for documents read before it was kept.
    field_confidence: Mapped[dict[str, float] | None] = mapped_column(JSON)
    ocr_pages: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def kind(self) -> str | None:
        """The kind the uploader named, else the one reading found."""
        return self.declared_kind or self.detected_kind
