"""`claimdesk serve` as a real process on a real port, for the end-to-end and fault tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx2
import pytest

from tests.factories import PASSWORD

WAIT_SECONDS = 120
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], T | None], what: str, *, seconds: float = WAIT_SECONDS) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"gave up waiting {seconds:g} s for {what}")


def outpatient_claim(policy_id: int, incident: str, n: int) -> dict[str, object]:
    """The body of the n-th claim a load test submits."""
    return {
        "policy_id": policy_id,
        "claim_type": "outpatient",
        "incident_date": incident,
        "description": f"门诊 / Outpatient visit {n}",
        "claimed_amount": "600.00",
        "channel": "phone",
    }


class Served:
    """``claimdesk serve`` on a port of its own, with its embedded job runner when ``jobs``
    (``--no-jobs`` otherwise); it can be killed and restarted. Its output goes to
    ``server.log`` beside ``data_dir``."""

    def __init__(
        self, database_url: str, data_dir: Path, *, jobs: bool = False, max_connections: int = 100
    ) -> None:
        self.port = free_port()
        self.jobs = jobs
        self.env = {
            **os.environ,
            "CLAIMDESK_DATABASE_URL": database_url,
            "CLAIMDESK_DATA_DIR": str(data_dir),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log_dir = data_dir.parent
        self.client = httpx2.Client(
            base_url=f"http://127.0.0.1:{self.port}",
            timeout=180,  # a hundred requests at once queue for the database
            limits=httpx2.Limits(max_connections=max_connections),
        )

    def start(self) -> None:
        command = [sys.executable, "-m", "claimdesk", "serve", "--port", str(self.port)]
        with (self.log_dir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--jobs" if self.jobs else "--no-jobs"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the server and its job runner form one process group
            )

        def ready() -> bool:
            try:
                return self.client.get("/readyz").status_code == 200
            except httpx2.TransportError:
                return False

        wait_for(ready, "the server to answer /readyz")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)
        self.client.close()

    def sign_in(self, username: str) -> dict[str, str]:
        response = self.client.post(
            "/api/v1/auth/token", data={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}
