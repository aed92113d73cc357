"""Stopping `claimdesk serve` (SIGTERM, as a service manager does; SIGINT, as Ctrl-C does)
stops its job runner too and waits for it: no process is left behind."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.e2e.serving import Served, wait_for


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_serve_stops_its_job_runner(container, tmp_path, stop):
    served = Served(container.settings.resolved_database_url, tmp_path / "data", jobs=True)
    served.start()
    try:
        assert served.process is not None
        server = served.process.pid
        (job_runner,) = wait_for(lambda: children_of(server), "serve to start its job runner")

        os.kill(server, stop)  # the server alone, not its process group
        served.process.wait(timeout=90)

        assert not alive(job_runner)
    finally:
        served.stop()
