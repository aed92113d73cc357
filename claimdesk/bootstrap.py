"""The composition root: builds every adapter once (the container), wires the event
subscriptions and the background jobs, and migrates the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib import resources

from alembic import command
from alembic.config import Config
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.assistant.embedding import E5Embedder, Embedder
from claimdesk.assistant.service import ensure_knowledge_base
from claimdesk.audit import service as audit
from claimdesk.catastrophe import handlers as catastrophe
from claimdesk.claims import handlers as claims
from claimdesk.claims.cache import ClaimCache
from claimdesk.claims.events import ClaimReported, ClaimTransitioned
from claimdesk.config import Settings, get_settings
from claimdesk.core.clock import Clock, SystemClock
from claimdesk.core.db import (
    LoopReads,
    build_engine,
    build_read_factory,
    build_session_factory,
    unit_of_work,
)
from claimdesk.core.events import EventBus, Handler
from claimdesk.customers import handlers as customers
from claimdesk.documents.events import DocumentRead, DocumentUploaded
from claimdesk.documents.reading import OcrEngine, default_ocr
from claimdesk.documents.storage import LocalBlobStore, blob_store
from claimdesk.fraud import handlers as fraud
from claimdesk.fraud.events import ClaimRouted, ReportedClaimScored
from claimdesk.fraud.evidence import DocumentEvidence, StoredDocuments
from claimdesk.jobs import registry
from claimdesk.jobs.queue import JobQueue
from claimdesk.jobs.registry import JobRunner, Task
from claimdesk.messaging import handlers as messaging
from claimdesk.messaging.notifiers import notifier_for
from claimdesk.policies.service import ensure_catalogue
from claimdesk.security import crypto
from claimdesk.security import service as security
from claimdesk.security.service import TokenCache
from claimdesk.support import handlers as support
from claimdesk.support.events import (
    SlaBreached,
    SurveyAnswered,
    TicketCreated,
    TicketReplied,
    TicketResolved,
    TicketUpdated,
)
from claimdesk.support.outbox import Notifier
from claimdesk.webhooks import handlers as webhooks


@dataclass
class Container:
    """Every adapter the application uses, built once per process by :func:`build`; tests
    pass fakes in through it."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    bus: EventBus
    # Records background jobs with the session's transaction (sessions carry it).
    jobs: JobQueue
    # Sends outbox messages: SMTP, the SMS provider or files, as the settings say (a fake
    # in unit tests).
    notifier: Notifier
    clock: Clock
    # The model that embeds knowledge-base passages in jobs, on every core (loaded on
    # first use; the worker process's own, apart from the one answering requests).
    embedder: Embedder
    # Where document files are kept (encrypted at rest).
    blobs: LocalBlobStore
    # Reads text from pictures and scans (in the job runner).
    ocr: OcrEngine
    # What fraud scoring reads of a claim's documents.
    evidence: DocumentEvidence
    # Hashes and checks passwords (argon2; tests use a cheap cost).
    hasher: PasswordHasher
    tokens: TokenCache = field(default_factory=TokenCache)
    claims: ClaimCache = field(default_factory=ClaimCache)
    # Sessions for short reads that change nothing (see core/db.build_read_factory).
    reads: sessionmaker[Session] = field(init=False)
    # The event loop's own connection for the status read (see core/db.LoopReads).
    loop_reads: LoopReads = field(init=False)
    # The task queue and the job runner (built by jobs/registry.py).
    runner: JobRunner = field(init=False)

    def __post_init__(self) -> None:
        self.reads = build_read_factory(self.engine, self.sessions)
        self.loop_reads = LoopReads(self.engine)


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    embedder: Embedder | None = None,
    notifier: Notifier | None = None,
    ocr: OcrEngine | None = None,
    evidence: DocumentEvidence | None = None,
    hasher: PasswordHasher | None = None,
    extra_tasks: Sequence[Task] = (),
) -> Container:
    """The process's container: settings read from the environment unless given, each
    adapter the settings choose unless a fake is given, and the application's background
    jobs (with ``extra_tasks``, e.g. a test's)."""
    settings = settings or get_settings()
    crypto.install(crypto.Keyring.from_settings(settings))
    engine = build_engine(
        settings.resolved_database_url, write_wait_seconds=settings.write_wait_seconds
    )
    clock = clock or SystemClock()
    bus = EventBus()
    jobs = JobQueue(clock)
    sessions = build_session_factory(engine, bus=bus, jobs=jobs)
    jobs.attach(sessions)
    audit.register(sessions)
    security.register(sessions)
    container = Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        bus=bus,
        jobs=jobs,
        notifier=notifier or notifier_for(settings),
        clock=clock,
        embedder=embedder or E5Embedder(),
        blobs=blob_store(settings),
        ocr=ocr or default_ocr(),
        evidence=evidence or StoredDocuments(),
        hasher=hasher or PasswordHasher(),
    )
    for event_type, handler in subscriptions(container):
        bus.subscribe(event_type, handler)
    container.runner = registry.install(container, extra_tasks)
    return container


def subscriptions(c: Container) -> list[tuple[type, Handler]]:
    """Which handlers run for each domain event, in this order, inside the publisher's
    transaction (see core/events.py)."""
    s = c.settings
    retriage = partial(catastrophe.on_change, settings=s)
    return [
        # A claim was reported.
        (ClaimReported, support.on_claim_reported),  # the acknowledgement clock
        (ClaimReported, partial(messaging.on_claim_reported, settings=s)),
        (ClaimReported, webhooks.on_claim_reported),
        (ClaimReported, fraud.on_reported),  # scoring and routing: a job after the commit
        (ClaimReported, customers.on_claim_reported),  # loyalty points
        # A claim took a step of its lifecycle.
        (ClaimTransitioned, partial(claims.on_claim_transitioned, settings=s)),  # statutory
        (ClaimTransitioned, support.on_claim_transitioned),  # SLA clocks, surveys
        # After the service desk: the closing message links the survey it opened.
        (ClaimTransitioned, partial(messaging.on_claim_transitioned, settings=s)),
        (ClaimTransitioned, webhooks.on_claim_transitioned),
        (ClaimTransitioned, partial(fraud.on_transitioned, settings=s, evidence=c.evidence)),
        # After fraud: triage reads the fresh risk score.
        (ClaimTransitioned, retriage),
        # Risk scoring and routing (background jobs after a report).
        (ClaimRouted, retriage),
        (ReportedClaimScored, retriage),
        # Documents.
        (DocumentUploaded, customers.on_document_uploaded),
        (DocumentRead, webhooks.on_document_read),
        # The service desk.
        (TicketCreated, webhooks.on_ticket_created),
        (TicketUpdated, webhooks.on_ticket_updated),
        (TicketReplied, partial(messaging.on_ticket_replied, settings=s)),
        (TicketResolved, support.on_ticket_resolved),  # the survey the message links
        (TicketResolved, partial(messaging.on_ticket_resolved, settings=s)),
        (SlaBreached, webhooks.on_sla_breached),
        (SurveyAnswered, customers.on_survey_answered),
    ]


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
        ensure_knowledge_base(
            session, now=container.clock.now(), vector_model=container.embedder.name
        )
