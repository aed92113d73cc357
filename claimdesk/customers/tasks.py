"""Background jobs of the customers domain: daily loyalty accrual (tenure and renewals) and
the daily erasure of personal data past its retention period."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from claimdesk.config import Settings
from claimdesk.core.clock import Clock
from claimdesk.core.db import unit_of_work
from claimdesk.customers import loyalty, retention
from claimdesk.documents.storage import BlobStore


def accrue_loyalty_points(
    *, sessions: sessionmaker[Session], settings: Settings, clock: Clock
) -> int:
    """Earn the tenure and renewal points that are due (daily)."""
    with unit_of_work(sessions) as session:
        return loyalty.accrue(session, now=clock.now(), timezone=settings.display_timezone)


def erase_past_retention(
    *, sessions: sessionmaker[Session], blobs: BlobStore, clock: Clock
) -> dict[str, int]:
    """Erase or pseudonymise personal data past its retention period
    (customers/retention.toml), a batch per record type (daily)."""
    return retention.erase_and_delete_files(sessions, blobs, now=clock.now())
