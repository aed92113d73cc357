"""Background jobs of webhooks: send one delivery, and every minute what is due again."""

from __future__ import annotations

from huey import crontab

from claimdesk.bootstrap import installed
from claimdesk.jobs.queue import huey
from claimdesk.webhooks import service


@huey.task()
def deliver_webhook(delivery_id: int) -> str:
    container = installed()
    return service.deliver(
        container.sessions,
        delivery_id=delivery_id,
        now=container.clock.now(),
        settings=container.settings,
    )


@huey.periodic_task(crontab(minute="*"))
def retry_webhooks() -> dict[str, int]:
    """Every minute: retry failed deliveries whose wait is over (and dead workers' ones)."""
    container = installed()
    with container.sessions() as session:
        delivery_ids = service.due(session, now=container.clock.now())
    outcomes: dict[str, int] = {}
    for delivery_id in delivery_ids:
        state = service.deliver(
            container.sessions,
            delivery_id=delivery_id,
            now=container.clock.now(),
            settings=container.settings,
        )
        outcomes[state] = outcomes.get(state, 0) + 1
    return outcomes
