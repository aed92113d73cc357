"""The job registry: which functions run in the background, with which dependencies, retry
policy and schedule, on which task queue (huey). The one module that knows huey; bootstrap
calls :func:`install` with the container when it builds it.

A job is a plain function (a service or ``<domain>/tasks.py`` function) that takes its
arguments and, by keyword, its dependencies. Code that needs one run enqueues the function
itself (:func:`claimdesk.jobs.queue.enqueue_after_commit`); the ledger records it under its
``module:function`` name, and the runner here calls it with the container's dependencies.
Periodic jobs are not in the ledger: huey's scheduler starts them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from huey import Huey, RedisHuey, crontab
from huey.api import TaskWrapper
from huey.storage import SqliteStorage
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.analytics import tasks as analytics
from claimdesk.assistant.embedding import Embedder
from claimdesk.assistant.service import refresh_vectors
from claimdesk.config import Settings
from claimdesk.core.clock import Clock
from claimdesk.core.db import patiently
from claimdesk.core.writer import writer_gate
from claimdesk.customers import tasks as customers
from claimdesk.documents.reading import OcrEngine
from claimdesk.documents.service import process_document
from claimdesk.documents.storage import LocalBlobStore
from claimdesk.fraud import tasks as fraud
from claimdesk.fraud.evidence import DocumentEvidence
from claimdesk.jobs import service
from claimdesk.jobs.queue import JobQueue, RetryPolicy, job_name
from claimdesk.support import outbox
from claimdesk.support import tasks as support
from claimdesk.support.outbox import Notifier
from claimdesk.webhooks import service as webhooks
from claimdesk.webhooks import tasks as webhook_tasks

log = logging.getLogger(__name__)


class Container(Protocol):
    """What the jobs take from the application's container (``bootstrap.Container``)."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    jobs: JobQueue
    blobs: LocalBlobStore
    ocr: OcrEngine
    evidence: DocumentEvidence
    notifier: Notifier
    embedder: Embedder


QUEUE_WAIT_SECONDS = 30  # queue writes are tiny: a longer wait only means a very busy machine


@dataclass(frozen=True)
class Task:
    """A function that may be enqueued, and how to call it with the container's parts."""

    function: Callable[..., object]
    run: Callable[..., object]
    policy: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class PeriodicTask:
    schedule: crontab
    function: Callable[..., object]
    run: Callable[[], object]


def tasks(c: Container) -> list[Task]:
    """Every function that code may enqueue, bound to its dependencies."""

    def scoring(job: Callable[..., object]) -> Callable[[int], object]:
        """A fraud job on one claim, with what scoring reads."""
        return lambda claim_id: job(
            claim_id, sessions=c.sessions, clock=c.clock, settings=c.settings, evidence=c.evidence
        )

    return [
        Task(
            process_document,
            lambda document_id: process_document(
                c.sessions,
                document_id=document_id,
                store=c.blobs,
                ocr=c.ocr,
                clock=c.clock,
                settings=c.settings,
            ),
            RetryPolicy(retries=3, retry_delay_seconds=10),
        ),
        Task(
            fraud.assess_reported_claim,
            scoring(fraud.assess_reported_claim),
            RetryPolicy(retries=2, retry_delay_seconds=10),
        ),
        Task(
            fraud.continue_straight_through,
            scoring(fraud.continue_straight_through),
            RetryPolicy(retries=2, retry_delay_seconds=10),
        ),
        Task(
            outbox.deliver,
            lambda message_id: outbox.deliver(
                c.sessions, message_id=message_id, now=c.clock.now(), notifier=c.notifier
            ),
        ),
        Task(
            webhooks.deliver,
            lambda delivery_id: webhooks.deliver(
                c.sessions, delivery_id=delivery_id, now=c.clock.now(), settings=c.settings
            ),
        ),
        Task(
            refresh_vectors,
            lambda: refresh_vectors(c.sessions, embedder=c.embedder),
            RetryPolicy(retries=3, retry_delay_seconds=30),
        ),
    ]


def periodic_tasks(c: Container) -> list[PeriodicTask]:
    """What runs on a schedule (worker time), each bound to its dependencies."""
    every_minute = crontab(minute="*")
    return [
        PeriodicTask(
            every_minute,
            support.sweep_sla_clocks,
            lambda: support.sweep_sla_clocks(sessions=c.sessions, clock=c.clock),
        ),
        PeriodicTask(
            every_minute,
            support.retry_notifications,
            lambda: support.retry_notifications(
                sessions=c.sessions, clock=c.clock, notifier=c.notifier
            ),
        ),
        PeriodicTask(
            every_minute,
            webhook_tasks.retry_webhooks,
            lambda: webhook_tasks.retry_webhooks(
                sessions=c.sessions, clock=c.clock, settings=c.settings
            ),
        ),
        PeriodicTask(
            crontab(minute="*/15"),
            analytics.refresh_kpi_snapshot,
            lambda: analytics.refresh_kpi_snapshot(
                sessions=c.sessions, settings=c.settings, clock=c.clock
            ),
        ),
        PeriodicTask(
            crontab(minute="30", hour="2"),
            customers.accrue_loyalty_points,
            lambda: customers.accrue_loyalty_points(
                sessions=c.sessions, settings=c.settings, clock=c.clock
            ),
        ),
        PeriodicTask(
            crontab(minute="10", hour="3"),
            customers.erase_past_retention,
            lambda: customers.erase_past_retention(
                sessions=c.sessions, blobs=c.blobs, clock=c.clock
            ),
        ),
    ]


class TurnTakingSqliteStorage(SqliteStorage):  # type: ignore[misc]  # huey has no type hints
    """huey's SQLite queue whose writers take turns across processes (core/writer.py): the
    web server's enqueues and the job runner's polls of ``queue.db`` no longer starve each
    other into "database is locked"."""

    def __init__(self, name: str, *, filename: str, timeout: float, **kwargs: Any) -> None:
        self._gate = writer_gate(Path(filename).resolve())
        super().__init__(name, filename=filename, timeout=timeout, **kwargs)

    @contextmanager
    def db(self, commit: bool = False, close: bool = False) -> Iterator[sqlite3.Cursor]:
        if not commit:
            with super().db(commit, close) as cursor:
                yield cursor
            return
        if not self._gate.acquire(self._timeout):
            raise sqlite3.OperationalError("database is locked (no turn at the queue in time)")
        try:
            with super().db(commit, close) as cursor:
                yield cursor
        finally:
            self._gate.release()


def build_queue(settings: Settings) -> Huey:
    """SQLite-backed on one machine, Redis for several worker machines."""
    if settings.queue_url and settings.queue_url.startswith(("redis://", "rediss://")):
        return RedisHuey("claimdesk", url=settings.queue_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Huey(
        "claimdesk",
        storage_class=TurnTakingSqliteStorage,
        filename=str(settings.data_dir / "queue.db"),
        timeout=QUEUE_WAIT_SECONDS,
        # No fsync per message: the job ledger in the database is the durable record, and
        # its reconciler queues again a message lost with a crash (within 2 minutes).
        fsync=False,
    )


@dataclass(frozen=True)
class JobRunner:
    """The task queue and the two tasks that work off the job ledger."""

    huey: Huey
    run_job: TaskWrapper
    reconcile_jobs: TaskWrapper
    periodic: dict[str, Callable[[], object]]

    def run_now(self, function: Callable[..., object]) -> object:
        """Run a periodic job at once, in this process (as its schedule would)."""
        return self.periodic[job_name(function)]()


def install(c: Container, extra_tasks: Sequence[Task] = ()) -> JobRunner:
    """Build the container's task queue, declare its tasks (the application's and any
    ``extra_tasks``), and connect the job queue that sessions enqueue to (``c.jobs``)."""
    huey = build_queue(c.settings)
    table = {job_name(task.function): task for task in [*tasks(c), *extra_tasks]}

    def run_job(job_id: int) -> None:
        """Run one attempt of a ledger job (nothing if another worker has it or it is done)."""
        # The ledger's books wait out a database outage: given up, they would leave the job
        # running until its lease runs out, or its message lost until the reconciler looks.
        lease = timedelta(seconds=c.settings.job_lease_seconds)
        job = patiently(
            lambda: service.take(c.sessions, job_id=job_id, now=c.clock.now(), lease=lease)
        )
        if job is None:
            return
        try:
            task = table.get(job.task)
            if task is None:
                raise LookupError(f"No background job '{job.task}'; was it renamed?")
            task.run(*job.args)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            delay = patiently(
                lambda: service.fail(c.sessions, job_id=job_id, error=error, now=c.clock.now())
            )
            if delay is None:
                log.error("job %s (%s) failed for good: %s", job_id, job.task, error)
            else:
                log.warning("job %s (%s) failed, retry in %s: %s", job_id, job.task, delay, error)
                run_job_task.schedule((job_id,), delay=delay.total_seconds())
            return
        patiently(lambda: service.finish(c.sessions, job_id=job_id))

    def reconcile_jobs() -> int:
        """Queue again the jobs of dead workers and those whose message was lost."""
        job_ids = service.reconcile(c.sessions, now=c.clock.now())
        for job_id in job_ids:
            run_job_task(job_id)
        return len(job_ids)

    def recover_on_start() -> None:
        """A worker starting (e.g. after a crash) picks up what dead workers left at once."""
        reconcile_jobs()

    # Declared by call, not as decorators: huey has no type hints.
    run_job_task: TaskWrapper = huey.task(name="run_job")(run_job)
    reconcile_task: TaskWrapper = huey.periodic_task(crontab(minute="*"), name="reconcile_jobs")(
        reconcile_jobs
    )
    huey.on_startup()(recover_on_start)

    periodic = {job_name(task.function): task for task in periodic_tasks(c)}
    for name, task in periodic.items():
        huey.periodic_task(task.schedule, name=name)(task.run)

    policies = {name: task.policy for name, task in table.items()}
    c.jobs.connect(policies, send=run_job_task)
    return JobRunner(
        huey, run_job_task, reconcile_task, {name: task.run for name, task in periodic.items()}
    )
