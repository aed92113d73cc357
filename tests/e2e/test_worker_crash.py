"""A worker killed with SIGKILL in the middle of a job loses nothing: the next worker to
start finds the job in the ledger, its lease run out, and runs it to the end.

The job's queue message is lost from the start (as if the process that committed it died
before queueing it): the first worker finds it in the ledger when it starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from claimdesk.core.db import unit_of_work
from claimdesk.jobs import service
from claimdesk.jobs.enums import JobStatus
from claimdesk.jobs.models import Job
from claimdesk.jobs.queue import job_name
from tests.e2e.serving import wait_for
from tests.integration.jobs.tasks import write_after_pause

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def start_worker(container, tmp_path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        "CLAIMDESK_DATABASE_URL": container.settings.resolved_database_url,
        "CLAIMDESK_DATA_DIR": str(tmp_path / "data"),
        "CLAIMDESK_JOB_LEASE_SECONDS": "2",
    }
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        with (tmp_path / f"worker{len(started)}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.e2e.worker_with_test_job"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)


def test_a_job_survives_its_worker_being_killed_mid_job(container, tmp_path, start_worker):
    out, started = tmp_path / "out.txt", tmp_path / "started"
    with unit_of_work(container.sessions) as session:
        job = service.record(
            session,
            task=job_name(write_after_pause),
            args=[str(out), "written once the job completes", 4.0],
            retries=2,
            retry_delay_seconds=5,
            now=datetime.now(UTC) - service.LOST_AFTER,
        )

    first = start_worker()
    wait_for(started.exists, "the first worker to start the job")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert not out.exists()
    with container.sessions() as session:
        assert session.get(Job, job.id).status == JobStatus.RUNNING

    start_worker()

    def job_done() -> bool:
        with container.sessions() as session:
            return session.scalars(select(Job).where(Job.id == job.id)).first() is None

    wait_for(job_done, "the second worker to finish the job")
    assert out.read_text() == "written once the job completes"
    assert started.read_text().splitlines() == ["written once the job completes"] * 2
