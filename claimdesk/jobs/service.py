"""The job ledger: background work recorded in the database, so none of it is lost.

huey takes a message off the queue without an acknowledgement: a worker killed mid-job
takes the job with it. So the work itself lives in the ``jobs`` table, written in the
same transaction as the change that needs it; the queue message only says "run job N".
A worker takes a job by a conditional update (one worker wins), holding a lease; success
deletes the row, failure schedules a retry with exponential backoff, and the last failed
attempt leaves the row ``failed`` (the dead letters: ``claimdesk jobs failed``). The
reconciler queues again what is overdue: a pending job whose message was lost, a running
job whose worker died (its lease ran out). Tasks are idempotent, so a job run twice (a
worker that was only slow) does no harm.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.core.db import affected_rows, unit_of_work
from claimdesk.core.errors import NotFound
from claimdesk.jobs.enums import JobStatus
from claimdesk.jobs.models import Job

DEFAULT_RETRIES = 3  # for tasks that declare none: a dead worker should not dead-letter a job
DEFAULT_RETRY_DELAY = 10
MAX_RETRY_DELAY = 3600
LOST_AFTER = timedelta(minutes=2)  # a due pending job nobody took by then lost its message
WORKER_STOPPED = "The worker stopped during the job (its lease ran out)."


def record(
    session: Session,
    *,
    task: str,
    args: Sequence[Any],
    retries: int,
    retry_delay_seconds: int,
    now: datetime,
) -> Job:
    """Write a job in the caller's transaction (its id is known after the commit)."""
    job = Job(
        task=task,
        args=list(args),
        status=JobStatus.PENDING,
        attempts=0,
        max_attempts=retries + 1,
        retry_delay_seconds=retry_delay_seconds,
        available_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    return job


def take(
    sessions: sessionmaker[Session], *, job_id: int, now: datetime, lease: timedelta
) -> Job | None:
    """Start an attempt if the job is due and nobody holds it; None if there is nothing to do
    (done already, taken by a live worker, dead-lettered, or not due yet)."""
    with unit_of_work(sessions) as session:
        taken = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                or_(
                    and_(Job.status == JobStatus.PENDING, Job.available_at <= now),
                    and_(Job.status == JobStatus.RUNNING, Job.lease_until < now),
                ),
            )
            .values(
                status=JobStatus.RUNNING,
                attempts=Job.attempts + 1,
                lease_until=now + lease,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if affected_rows(taken) != 1:
            return None
        return session.get(Job, job_id)


def finish(sessions: sessionmaker[Session], *, job_id: int) -> None:
    with unit_of_work(sessions) as session:
        session.execute(delete(Job).where(Job.id == job_id))


def fail(
    sessions: sessionmaker[Session], *, job_id: int, error: str, now: datetime
) -> timedelta | None:
    """Record a failed attempt: the delay before the retry, or None when dead-lettered."""
    with unit_of_work(sessions) as session:
        job = session.get(Job, job_id)
        if job is None:
            return None
        job.last_error = error[:4000]
        job.lease_until = None
        job.updated_at = now
        if job.attempts >= job.max_attempts:
            job.status = JobStatus.FAILED
            return None
        delay = timedelta(
            seconds=min(MAX_RETRY_DELAY, job.retry_delay_seconds * 2 ** (job.attempts - 1))
        )
        job.status = JobStatus.PENDING
        job.available_at = now + delay
        return delay


def reconcile(sessions: sessionmaker[Session], *, now: datetime) -> list[int]:
    """Jobs to queue again: those whose worker died, and due ones nobody took. A dead
    worker's job with no attempts left is dead-lettered instead."""
    abandoned = (Job.status == JobStatus.RUNNING, Job.lease_until < now)
    with unit_of_work(sessions) as session:
        session.execute(
            update(Job)
            .where(*abandoned, Job.attempts >= Job.max_attempts)
            .values(status=JobStatus.FAILED, lease_until=None, last_error=WORKER_STOPPED)
            .execution_options(synchronize_session=False)
        )
        orphans = list(session.scalars(select(Job.id).where(*abandoned)))
        session.execute(
            update(Job)
            .where(Job.id.in_(orphans), *abandoned)
            .values(status=JobStatus.PENDING, lease_until=None, last_error=WORKER_STOPPED)
            .execution_options(synchronize_session=False)
        )
        lost = session.scalars(
            select(Job.id).where(
                Job.status == JobStatus.PENDING,
                Job.available_at <= now - LOST_AFTER,
                Job.id.not_in(orphans),
            )
        )
        return sorted([*orphans, *lost])


def failed(session: Session, *, limit: int = 100) -> list[Job]:
    return list(
        session.scalars(
            select(Job).where(Job.status == JobStatus.FAILED).order_by(Job.id).limit(limit)
        )
    )


def retry(session: Session, *, job_ids: Sequence[int] | None, now: datetime) -> list[int]:
    """Give dead-lettered jobs (all of them when ``job_ids`` is None) a fresh set of attempts."""
    query = select(Job).where(Job.status == JobStatus.FAILED)
    if job_ids is not None:
        query = query.where(Job.id.in_(job_ids))
    jobs = list(session.scalars(query.order_by(Job.id)))
    missing = set(job_ids or ()) - {job.id for job in jobs}
    if missing:
        raise NotFound(
            f"No failed job with id {', '.join(map(str, sorted(missing)))}; "
            "`claimdesk jobs failed` lists them. 没有这些失败的任务。"
        )
    for job in jobs:
        job.status = JobStatus.PENDING
        job.attempts = 0
        job.available_at = now
        job.updated_at = now
    return [job.id for job in jobs]
