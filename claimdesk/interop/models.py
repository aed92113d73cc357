"""What a FHIR Claim brought in: kept so the responses can echo its identifiers and items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from claimdesk.core.db import Base, UTCDateTime


class FhirClaim(Base):
    __tablename__ = "fhir_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    fhir_version: Mapped[str] = mapped_column(String(8))
    identifier: Mapped[str | None] = mapped_column(String(256))
    # The item sequence of each claimant loss line, in the order the lines were created.
    item_sequences: Mapped[list[int]] = mapped_column(JSON, default=list)
    resource: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
