"""Enqueueing background jobs: written to the job ledger in the caller's transaction, sent to
the task queue after its commit.

A service or event handler enqueues a job with :func:`enqueue_after_commit`, naming the plain
function that does the work (``documents.service.process_document``, ``fraud.tasks.
assess_reported_claim``...) and its arguments. The job is written to the job ledger in the
caller's transaction (see :mod:`claimdesk.jobs.service`), so it never runs before the data it
needs is committed, never runs for a change that was rolled back, and is not lost if the
process or a worker dies. Which functions may run as jobs, with which dependencies and retry
policy, is the job registry's business (:mod:`claimdesk.jobs.registry`, wired by bootstrap);
the :class:`JobQueue` travels with the session (``session.info["jobs"]``) like the event bus.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.core.clock import Clock
from claimdesk.jobs import service

_PENDING = "claimdesk.pending_jobs"


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = service.DEFAULT_RETRIES
    retry_delay_seconds: int = service.DEFAULT_RETRY_DELAY


def job_name(task: Callable[..., object]) -> str:
    """The name a job function is recorded under in the ledger: ``module:function``."""
    return f"{task.__module__}:{task.__qualname__}"


class UnknownJob(LookupError):
    """A job was enqueued for a function the job registry does not run."""


class JobQueue:
    """Records jobs in the ledger with the session's transaction; after the commit, hands each
    one's id to ``send`` (the task queue's "run job N" message)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._policies: Mapping[str, RetryPolicy] = {}
        self._sender: Callable[[int], object] | None = None

    def connect(self, policies: Mapping[str, RetryPolicy], send: Callable[[int], object]) -> None:
        """Called once by the job registry: the jobs it runs and how to send one."""
        self._policies = policies
        self._sender = send

    def attach(self, sessions: sessionmaker[Session]) -> None:
        """Send the jobs of a session's transaction after its commit; drop them on rollback."""
        event.listen(sessions, "after_commit", self._send_pending)
        event.listen(sessions, "after_rollback", _drop_pending)

    def record(self, session: Session, task: Callable[..., object], args: Sequence[Any]) -> None:
        name = job_name(task)
        policy = self._policies.get(name)
        if policy is None:
            raise UnknownJob(f"No background job runs {name}: add it to jobs/registry.py.")
        job = service.record(
            session,
            task=name,
            args=args,
            retries=policy.retries,
            retry_delay_seconds=policy.retry_delay_seconds,
            now=self._clock.now(),
        )
        session.info.setdefault(_PENDING, []).append(job)

    def _send_pending(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint was released: its jobs wait for the real commit
        for job in session.info.pop(_PENDING, []):
            self.send(job.id)

    def send(self, job_id: int) -> None:
        """Put "run job N" on the task queue (the job is in the ledger already)."""
        assert self._sender is not None, "the job registry was not installed"
        self._sender(job_id)


def enqueue_after_commit(session: Session, task: Callable[..., object], *args: Any) -> None:
    """Run ``task(*args)`` in the background once this session's transaction commits."""
    queue: JobQueue | None = session.info.get("jobs")
    if queue is None:
        raise UnknownJob("This session has no job queue (sessions come from bootstrap.build).")
    queue.record(session, task, args)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
