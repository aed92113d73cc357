"""In-process domain events: services publish, other domains subscribe (bootstrap wires them).

Handlers run synchronously inside the publisher's transaction, so what they write commits
or rolls back together with the change that caused it. The bus travels with the session
(``session.info["bus"]``), so services need no extra parameter to publish.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

Handler = Callable[[Session, Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def publish(self, session: Session, event: object) -> None:
        for handler in self._handlers[type(event)]:
            handler(session, event)

    def without(self, modules: frozenset[str]) -> EventBus:
        """A copy of this bus without the subscribers defined in ``modules``."""
        bus = EventBus()
        for event_type, handlers in self._handlers.items():
            for handler in handlers:
                if _defined_in(handler) not in modules:
                    bus.subscribe(event_type, handler)
        return bus


def _defined_in(handler: Handler) -> str:
    """The module of a handler, also when bootstrap bound its dependencies with ``partial``."""
    while isinstance(handler, partial):
        handler = handler.func
    return handler.__module__


def publish(session: Session, event: object) -> None:
    """Publish on the session's bus; sessions made outside bootstrap have none and skip."""
    bus: EventBus | None = session.info.get("bus")
    if bus is not None:
        bus.publish(session, event)
