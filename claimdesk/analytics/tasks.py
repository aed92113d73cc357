"""Background job of analytics: the Parquet snapshot the dashboards read."""

from __future__ import annotations

from huey import crontab

from claimdesk.analytics import service
from claimdesk.analytics.facts import write_snapshot
from claimdesk.bootstrap import installed
from claimdesk.jobs.queue import huey


@huey.periodic_task(crontab(minute="*/15"))
def refresh_kpi_snapshot() -> dict[str, int]:
    """Every 15 minutes: write the KPI fact tables to Parquet (see docs/decisions.md)."""
    container = installed()
    with container.sessions() as session:
        return write_snapshot(
            session,
            service.snapshot_folder(container.settings.data_dir),
            timezone=container.settings.display_timezone,
            now=container.clock.now(),
        )
