"""What the HTTP benchmarks share: a server in a process of its own, and the load
generator (bench/_load.py) in another, both on loopback."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from claimdesk.bootstrap import Container
from claimdesk.core.db import unit_of_work
from claimdesk.customers.schemas import BankAccountIn, CustomerIn
from claimdesk.customers.service import create_customer
from claimdesk.policies.schemas import PolicyIn
from claimdesk.policies.service import create_policy
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor, create_user

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int, path: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            return conn.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@contextmanager
def served(argv: list[str], *, port: int, env: dict[str, str], ready_path: str) -> Iterator[None]:
    """Run ``python <argv>`` in its own process group until the block ends."""
    process = subprocess.Popen(
        [sys.executable, *argv],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not _answers(port, ready_path):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server {argv} did not start (exit {process.poll()})")
            time.sleep(0.2)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Load:
    seconds: float
    latencies: list[float]
    end_to_end: list[float]
    unfinished: int
    statuses: dict[str, int]
    outcomes: dict[str, int]

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else float("nan")

    def p(self, share: float) -> float:
        return percentile(self.latencies, share)

    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))


WARMUP_SECONDS = 3.0


def load(*, port: int, seconds: float, concurrency: int, requests: list[dict[str, Any]]) -> Load:
    """Warm the server up (caches, first imports, connection pool), then measure."""
    _run_load(port=port, seconds=WARMUP_SECONDS, concurrency=concurrency, requests=requests)
    return _run_load(port=port, seconds=seconds, concurrency=concurrency, requests=requests)


def _run_load(
    *, port: int, seconds: float, concurrency: int, requests: list[dict[str, Any]]
) -> Load:
    plan = {"port": port, "seconds": seconds, "concurrency": concurrency, "requests": requests}
    done = subprocess.run(
        [sys.executable, "-m", "bench._load"],
        cwd=ROOT,
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    )
    return Load(**json.loads(done.stdout))


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall (nearest rank); NaN if none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def token(port: int, username: str, password: str) -> str:
    """A bearer token from the served app."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/api/v1/auth/token",
        body=urlencode({"username": username, "password": password}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"sign-in as {username} failed: {response.status} {body[:200]!r}")
    return json.loads(body)["access_token"]


# ---------------------------------------------------------------- setup through the services

PASSWORD = "bench-password-1"
_serial = itertools.count(1)


@dataclass(frozen=True)
class Insured:
    policy_id: int
    customer_id: int
    account_id: int


def staff_user(container: Container, role: Role) -> tuple[str, Actor]:
    """A user of this role who can sign in with :data:`PASSWORD`."""
    with unit_of_work(container.sessions) as session:
        user = create_user(
            session,
            hasher=container.hasher,
            username=f"bench-http-{role.value}-{next(_serial)}-{os.getpid()}",
            password=PASSWORD,
            role=role,
            now=container.clock.now(),
        )
        return user.username, Actor(user_id=user.id, role=role)


def insured_customers(container: Container, count: int, product_code: str) -> list[Insured]:
    """Customers with a verified account and a policy in force this calendar year (real
    dates: the served app runs on the system clock)."""
    today = date.today()
    insured = []
    for _ in range(count):
        n = next(_serial)
        name = f"压测客户{n}"
        with unit_of_work(container.sessions) as session:
            customer = create_customer(
                session,
                data=CustomerIn(
                    name=name,
                    id_number=f"HTTP{os.getpid()}{n:06d}",
                    phone="13800000000",
                    bank_accounts=[
                        BankAccountIn(
                            bank_name="ICBC", account_number=f"6222{n:014d}", holder_name=name
                        )
                    ],
                ),
                now=container.clock.now(),
            )
            policy = create_policy(
                session,
                data=PolicyIn(
                    product_code=product_code,
                    holder_id=customer.id,
                    start_date=today.replace(month=1, day=1),
                    end_date=today.replace(month=12, day=31),
                    sum_insured=Decimal("900000000"),
                ),
                now=container.clock.now(),
            )
            insured.append(Insured(policy.id, customer.id, customer.bank_accounts[0].id))
    return insured


def app_env(container: Container, data_dir: Path) -> dict[str, str]:
    """The served app's settings: the benchmark's database, a data folder of its own, and a
    per-user rate limit far above what the load can reach (the limiter still counts every
    request, so its cost is measured, but no answer is a 429)."""
    return {
        "CLAIMDESK_DATABASE_URL": container.settings.resolved_database_url,
        "CLAIMDESK_DATA_DIR": str(data_dir),
        "CLAIMDESK_RATE_LIMIT_USER": "10000000/minute",
    }
