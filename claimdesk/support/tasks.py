"""Background jobs of the service desk: the SLA sweep and notification retries."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.orm import Session, sessionmaker

from claimdesk.claims import clocks as statutory_clocks
from claimdesk.core.clock import Clock
from claimdesk.core.db import unit_of_work
from claimdesk.support import clocks, outbox


def sweep_sla_clocks(*, sessions: sessionmaker[Session], clock: Clock) -> dict[str, int]:
    """Warn owners of clocks at risk, escalate breached ones; the claims' statutory clocks
    (arts. 23-25) likewise, to the handler and a supervisor (every minute)."""
    with unit_of_work(sessions) as session:
        result = clocks.sweep(session, now=clock.now())
        statutory = statutory_clocks.sweep(session, now=clock.now())
    return {**asdict(result), **{f"statutory_{k}": v for k, v in asdict(statutory).items()}}


def retry_notifications(
    *, sessions: sessionmaker[Session], clock: Clock, notifier: outbox.Notifier
) -> dict[str, int]:
    """Send what is due: failed sends after backoff, dead workers' rows, digests whose
    window has closed (every minute)."""
    with sessions() as session:
        message_ids = outbox.due(session, now=clock.now())
    outcomes: dict[str, int] = {}
    for message_id in message_ids:
        state = outbox.deliver(sessions, message_id=message_id, now=clock.now(), notifier=notifier)
        outcomes[state] = outcomes.get(state, 0) + 1
    return outcomes
