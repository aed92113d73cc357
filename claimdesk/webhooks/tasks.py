"""Background job of webhooks: every minute, send again what is due."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from claimdesk.config import Settings
from claimdesk.core.clock import Clock
from claimdesk.webhooks import service


def retry_webhooks(
    *, sessions: sessionmaker[Session], clock: Clock, settings: Settings
) -> dict[str, int]:
    """Retry failed deliveries whose wait is over (and dead workers' ones)."""
    with sessions() as session:
        delivery_ids = service.due(session, now=clock.now())
    outcomes: dict[str, int] = {}
    for delivery_id in delivery_ids:
        state = service.deliver(
            sessions, delivery_id=delivery_id, now=clock.now(), settings=settings
        )
        outcomes[state] = outcomes.get(state, 0) + 1
    return outcomes
