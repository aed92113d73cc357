"""The one place that wires settings, database and clock together."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.assistant.embedding import E5Embedder, Embedder
from claimdesk.assistant.service import ensure_knowledge_base
from claimdesk.audit import service as audit
from claimdesk.claims.cache import ClaimCache
from claimdesk.config import Settings, get_settings
from claimdesk.core.clock import Clock, SystemClock
from claimdesk.core.db import (
    build_engine,
    build_read_factory,
    build_session_factory,
    unit_of_work,
)
from claimdesk.core.events import EventBus
from claimdesk.messaging.notifiers import notifier_for
from claimdesk.policies.service import ensure_catalogue
from claimdesk.security import crypto
from claimdesk.security import service as security
from claimdesk.security.service import TokenCache
from claimdesk.support.outbox import Notifier


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    bus: EventBus
    # Sends outbox messages: SMTP, the SMS provider or files, as the settings say (a fake
    # in unit tests).
    notifier: Notifier
    clock: Clock = field(default_factory=SystemClock)
    # The model that embeds knowledge-base passages in jobs, on every core (loaded on
    # first use; the worker process's own, apart from the one answering requests).
    embedder: Embedder = field(default_factory=E5Embedder)
    tokens: TokenCache = field(default_factory=TokenCache)
    claims: ClaimCache = field(default_factory=ClaimCache)
    # Sessions for short reads that change nothing (see core/db.build_read_factory).
    reads: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.reads = build_read_factory(self.engine, self.sessions)


def build(
    settings: Settings | None = None, clock: Clock | None = None, embedder: Embedder | None = None
) -> Container:
    settings = settings or get_settings()
    crypto.install(crypto.Keyring.from_settings(settings))
    engine = build_engine(
        settings.resolved_database_url, write_wait_seconds=settings.write_wait_seconds
    )
    bus = EventBus()
    # Imported here: the handlers queue jobs whose module imports this one.
    from claimdesk.catastrophe.handlers import register as register_catastrophe
    from claimdesk.claims.handlers import register as register_claims
    from claimdesk.customers.handlers import register as register_customers
    from claimdesk.fraud.handlers import register as register_fraud
    from claimdesk.messaging.handlers import register as register_messaging
    from claimdesk.support.handlers import register as register_support
    from claimdesk.webhooks.handlers import register as register_webhooks

    register_claims(bus, settings)  # statutory clocks
    register_support(bus)
    register_messaging(bus, settings)  # after support: the messages link its surveys
    register_webhooks(bus)
    register_fraud(bus, settings)
    register_customers(bus)
    register_catastrophe(bus, settings)  # after fraud: triage reads the fresh risk score
    sessions = build_session_factory(engine, bus=bus)
    audit.register(sessions)
    security.register(sessions)
    return Container(
        settings,
        engine,
        sessions,
        bus,
        notifier_for(settings),
        clock or SystemClock(),
        embedder=embedder or E5Embedder(),
    )


_installed: Container | None = None


def install(container: Container) -> Container:
    """Make this the process's container, the one background tasks use."""
    global _installed
    _installed = container
    return container


def installed() -> Container:
    """The process's container (built from settings on first use, e.g. in a worker)."""
    return _installed or install(build())


def alembic_config(container: Container) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("claimdesk").joinpath("migrations"))
    )
    config.attributes["engine"] = container.engine
    return config


def upgrade_database(container: Container) -> None:
    """Create or migrate the schema to the newest revision and load the product catalogue
    and the starter knowledge base (missing entries only)."""
    with container.engine.begin() as connection:
        config = alembic_config(container)
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    with unit_of_work(container.sessions) as session:
        ensure_catalogue(session)
        ensure_knowledge_base(session, now=container.clock.now())
