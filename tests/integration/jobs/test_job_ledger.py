"""The job ledger: background work is written with the change that needs it, retried with
backoff, dead-lettered where people can see it, and recovered when a worker dies."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import NotFound
from claimdesk.jobs import service
from claimdesk.jobs.enums import JobStatus
from claimdesk.jobs.models import Job
from claimdesk.jobs.queue import enqueue_after_commit, job_name
from tests.integration.jobs.tasks import write_after_pause


def jobs(container) -> list[Job]:
    with container.sessions() as session:
        return list(session.scalars(select(Job).order_by(Job.id)))


def enqueue(container, *args) -> None:
    with unit_of_work(container.sessions) as session:
        enqueue_after_commit(session, write_after_pause, *args)


def test_a_job_runs_after_the_commit_and_leaves_no_row(container, tmp_path):
    enqueue(container, str(tmp_path / "out.txt"), "hello")
    assert (tmp_path / "out.txt").read_text() == "hello"
    assert jobs(container) == []


def test_a_job_of_a_rolled_back_change_never_runs(container, tmp_path):
    with pytest.raises(RuntimeError), unit_of_work(container.sessions) as session:
        enqueue_after_commit(session, write_after_pause, str(tmp_path / "out.txt"), "no")
        raise RuntimeError("the change fails")
    assert not (tmp_path / "out.txt").exists()
    assert jobs(container) == []


def test_a_failing_job_is_retried_with_backoff_then_dead_lettered(container, clock, tmp_path):
    target = tmp_path / "missing" / "out.txt"
    enqueue(container, str(target), "late")
    [job] = jobs(container)
    assert (job.status, job.attempts, job.available_at) == (
        JobStatus.PENDING,
        1,
        clock.now() + timedelta(seconds=5),
    )
    container.runner.run_job(job.id)  # not due yet: nothing happens
    assert jobs(container)[0].attempts == 1

    clock.advance(timedelta(seconds=5))
    container.runner.run_job(job.id)
    [job] = jobs(container)
    assert job.available_at == clock.now() + timedelta(seconds=10)  # the delay doubled

    clock.advance(timedelta(seconds=10))
    container.runner.run_job(job.id)
    [job] = jobs(container)
    assert (job.status, job.attempts) == (JobStatus.FAILED, 3)
    assert "FileNotFoundError" in job.last_error
    with container.sessions() as session:
        assert [j.id for j in service.failed(session)] == [job.id]

    target.parent.mkdir()
    with unit_of_work(container.sessions) as session:
        assert service.retry(session, job_ids=[job.id], now=clock.now()) == [job.id]
    container.runner.run_job(job.id)
    assert target.read_text() == "late"
    assert jobs(container) == []


def test_retrying_a_job_that_did_not_fail_says_which(container, clock):
    with pytest.raises(NotFound, match="No failed job with id 999"), container.sessions() as s:
        service.retry(s, job_ids=[999], now=clock.now())


def test_the_job_of_a_dead_worker_is_queued_again_once_its_lease_runs_out(
    container, clock, tmp_path
):
    lease = timedelta(seconds=container.settings.job_lease_seconds)
    with unit_of_work(container.sessions) as session:
        job = service.record(
            session,
            task=job_name(write_after_pause),
            retries=2,
            retry_delay_seconds=5,
            args=[str(tmp_path / "out.txt"), "x"],
            now=clock.now(),
        )
    taken = service.take(container.sessions, job_id=job.id, now=clock.now(), lease=lease)
    assert taken is not None  # ...and its worker dies here
    assert service.take(container.sessions, job_id=job.id, now=clock.now(), lease=lease) is None
    assert service.reconcile(container.sessions, now=clock.now() + lease / 2) == []

    clock.advance(lease + timedelta(seconds=1))
    assert container.runner.reconcile_jobs.call_local() == 1
    assert (tmp_path / "out.txt").read_text() == "x"
    assert jobs(container) == []


def test_a_dead_workers_job_with_no_attempts_left_is_dead_lettered(container, clock, tmp_path):
    lease = timedelta(seconds=container.settings.job_lease_seconds)
    with unit_of_work(container.sessions) as session:
        job = service.record(
            session,
            task=job_name(write_after_pause),
            retries=2,
            retry_delay_seconds=5,
            args=["x", "y"],
            now=clock.now(),
        )
    for _ in range(job.max_attempts):
        service.take(container.sessions, job_id=job.id, now=clock.now(), lease=lease)
        clock.advance(lease + timedelta(seconds=1))
    assert service.reconcile(container.sessions, now=clock.now()) == []
    [job] = jobs(container)
    assert (job.status, job.last_error) == (JobStatus.FAILED, service.WORKER_STOPPED)


def test_a_job_whose_message_was_lost_is_queued_again(container, clock, tmp_path):
    with unit_of_work(container.sessions) as session:  # committed, but never queued
        job = service.record(
            session,
            task=job_name(write_after_pause),
            retries=2,
            retry_delay_seconds=5,
            args=[str(tmp_path / "out.txt"), "z"],
            now=clock.now(),
        )
    assert service.reconcile(container.sessions, now=clock.now()) == []
    clock.advance(service.LOST_AFTER)
    assert service.reconcile(container.sessions, now=clock.now()) == [job.id]


def cli(container, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLAIMDESK_DATABASE_URL": container.settings.resolved_database_url}
    return subprocess.run(
        [sys.executable, "-m", "claimdesk", "jobs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_jobs_command_lists_failed_jobs_and_queues_them_again(container, clock, tmp_path):
    with unit_of_work(container.sessions) as session:
        job = service.record(
            session,
            task=job_name(write_after_pause),
            retries=2,
            retry_delay_seconds=5,
            args=["a", "b"],
            now=clock.now(),
        )
        job.status, job.attempts, job.last_error = JobStatus.FAILED, 3, "OSError: disk full"
    listed = cli(container, "failed")
    assert listed.returncode == 0, listed.stderr
    assert "write_after_pause" in listed.stdout
    assert "disk full" in listed.stdout

    retried = cli(container, "retry", str(job.id))
    assert retried.returncode == 0, retried.stderr
    assert f"Queued 1 job(s) again: {job.id}." in retried.stdout
    assert jobs(container)[0].status == JobStatus.PENDING

    unknown = cli(container, "retry", "424242")
    assert unknown.returncode == 2
    assert "No failed job with id 424242" in unknown.stderr
