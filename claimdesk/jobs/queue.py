"""The task queue (huey): SQLite-backed on one machine, Redis for several worker machines.

Tasks live in ``<domain>/tasks.py`` and are declared with ``@huey.task()`` (``retries``
and ``retry_delay`` set their retry policy). Enqueue them with :func:`enqueue_after_commit`:
the job is written to the job ledger in the caller's transaction (see
:mod:`claimdesk.jobs.service`), so it never runs before the data it needs is committed,
never runs for a change that was rolled back, and is not lost if the process or a worker
dies. Tests run tasks inline (``huey.immediate = True``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, crontab
from huey.api import TaskWrapper
from huey.storage import SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

from claimdesk.config import Settings, get_settings
from claimdesk.core.db import patiently
from claimdesk.core.writer import writer_gate
from claimdesk.jobs import service

log = logging.getLogger(__name__)

_PENDING = "claimdesk.pending_tasks"
QUEUE_WAIT_SECONDS = 30  # queue writes are tiny: a longer wait only means a very busy machine


class TurnTakingSqliteStorage(SqliteStorage):
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


huey = build_queue(get_settings())


def enqueue_after_commit(session: Session, task: TaskWrapper, *args: Any) -> None:
    from claimdesk.bootstrap import installed

    job = service.record(session, task=task, args=args, now=installed().clock.now())
    session.info.setdefault(_PENDING, []).append(job)


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: its jobs wait for the real commit
    for job in session.info.pop(_PENDING, []):
        run_job(job.id)


@huey.task()
def run_job(job_id: int) -> None:
    """Run one attempt of a ledger job (does nothing if another worker has it or it is done)."""
    from claimdesk.bootstrap import installed

    container = installed()
    # The ledger's books wait out a database outage: given up, they would leave the job
    # running until its lease runs out, or its message lost until the reconciler looks.
    sessions, clock = container.sessions, container.clock
    lease = timedelta(seconds=container.settings.job_lease_seconds)
    job = patiently(lambda: service.take(sessions, job_id=job_id, now=clock.now(), lease=lease))
    if job is None:
        return
    try:
        service.resolve(job.task).call_local(*job.args)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        delay = patiently(
            lambda: service.fail(sessions, job_id=job_id, error=error, now=clock.now())
        )
        if delay is None:
            log.error("job %s (%s) failed for good: %s", job_id, job.task, error)
        else:
            log.warning("job %s (%s) failed, retry in %s: %s", job_id, job.task, delay, error)
            run_job.schedule((job_id,), delay=delay.total_seconds())
        return
    patiently(lambda: service.finish(sessions, job_id=job_id))


@huey.periodic_task(crontab(minute="*"))
def reconcile_jobs() -> int:
    """Every minute: queue again the jobs of dead workers and those whose message was lost."""
    from claimdesk.bootstrap import installed

    container = installed()
    job_ids = service.reconcile(container.sessions, now=container.clock.now())
    for job_id in job_ids:
        run_job(job_id)
    return len(job_ids)


@huey.on_startup()
def _recover_on_start() -> None:
    """A worker starting (e.g. after a crash) picks up what dead workers left at once."""
    reconcile_jobs.call_local()


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
