"""Background job of analytics: the Parquet snapshot the dashboards read."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from claimdesk.analytics import service
from claimdesk.analytics.facts import write_snapshot
from claimdesk.config import Settings
from claimdesk.core.clock import Clock


def refresh_kpi_snapshot(
    *, sessions: sessionmaker[Session], settings: Settings, clock: Clock
) -> dict[str, int]:
    """Write the KPI fact tables to Parquet (every 15 minutes; see docs/decisions.md)."""
    with sessions() as session:
        return write_snapshot(
            session,
            service.snapshot_folder(settings.data_dir),
            timezone=settings.display_timezone,
            now=clock.now(),
        )
