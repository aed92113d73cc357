"""Background jobs of the customers domain: daily loyalty accrual (tenure and renewals) and
the daily erasure of personal data past its retention period."""

from __future__ import annotations

from huey import crontab

from claimdesk.bootstrap import installed
from claimdesk.core.db import unit_of_work
from claimdesk.customers import loyalty, retention
from claimdesk.documents.storage import blob_store
from claimdesk.jobs.queue import huey


@huey.periodic_task(crontab(minute="30", hour="2"))
def accrue_loyalty_points() -> int:
    """Every day at 02:30 (worker time): earn the tenure and renewal points that are due."""
    container = installed()
    with unit_of_work(container.sessions) as session:
        return loyalty.accrue(
            session, now=container.clock.now(), timezone=container.settings.display_timezone
        )


@huey.periodic_task(crontab(minute="10", hour="3"))
def erase_past_retention() -> dict[str, int]:
    """Every day at 03:10 (worker time): erase or pseudonymise personal data past its
    retention period (customers/retention.toml), a batch per record type."""
    container = installed()
    return retention.erase_and_delete_files(
        container.sessions, blob_store(container.settings), now=container.clock.now()
    )
