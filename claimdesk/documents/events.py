"""Events the documents domain publishes (past tense)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from claimdesk.security.service import Actor


@dataclass(frozen=True)
class DocumentUploaded:
    document_id: int
    claim_id: int
    customer_id: int
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class DocumentRead:
    """A document was read: its text taken, its kind and fields found (or it was unreadable)."""

    document_id: int
    claim_id: int
    status: str
    kind: str | None
    at: datetime
