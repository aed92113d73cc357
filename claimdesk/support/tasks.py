"""Background jobs of the service desk: the SLA sweep and notification delivery."""

from __future__ import annotations

from dataclasses import asdict

from huey import crontab

from claimdesk.bootstrap import installed
from claimdesk.claims import clocks as statutory_clocks
from claimdesk.core.db import unit_of_work
from claimdesk.jobs.queue import huey
from claimdesk.support import clocks, outbox


@huey.periodic_task(crontab(minute="*"))
def sweep_sla_clocks() -> dict[str, int]:
    """Every minute: warn owners of clocks at risk, escalate breached ones; the claims'
    statutory clocks (arts. 23-25) likewise, to the handler and a supervisor."""
    container = installed()
    with unit_of_work(container.sessions) as session:
        result = clocks.sweep(session, now=container.clock.now())
        statutory = statutory_clocks.sweep(session, now=container.clock.now())
    return {**asdict(result), **{f"statutory_{k}": v for k, v in asdict(statutory).items()}}


@huey.task()
def deliver_message(message_id: int) -> str:
    container = installed()
    return outbox.deliver(
        container.sessions,
        message_id=message_id,
        now=container.clock.now(),
        notifier=container.notifier,
    )


@huey.periodic_task(crontab(minute="*"))
def retry_notifications() -> dict[str, int]:
    """Every minute: send what is due (failed sends after backoff, dead workers' rows,
    digests whose window has closed)."""
    container = installed()
    with container.sessions() as session:
        message_ids = outbox.due(session, now=container.clock.now())
    notifier = container.notifier
    outcomes: dict[str, int] = {}
    for message_id in message_ids:
        state = outbox.deliver(
            container.sessions, message_id=message_id, now=container.clock.now(), notifier=notifier
        )
        outcomes[state] = outcomes.get(state, 0) + 1
    return outcomes
