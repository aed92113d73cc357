"""The database restarted under load, the served process left running: while it is down,
requests fail at once with a clear 503 ``database_unavailable``; once it is back, the same
server answers again; clients that retry with their Idempotency-Keys end with every claim
once, whole (loss lines, timeline, audit ledger), and the embedded job runner finishes the
background jobs of every claim.

The database is a private PostgreSQL cluster made for the test (initdb in a temporary
folder, a free port), never the shared server nor the suite's database. It is restarted
twice: after a crash (``pg_ctl stop -m immediate``) and after a fast shutdown (``-m fast``,
an operator's restart). The test runs once per suite, in its PostgreSQL leg: it would
only repeat itself in the SQLite leg.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select

from claimdesk.audit.models import AuditEntry
from claimdesk.bootstrap import Container, build
from claimdesk.claims.models import Claim, ClaimEvent, IdempotencyRecord, LossLine
from claimdesk.config import Settings
from claimdesk.jobs.models import Job
from claimdesk.security.enums import Role
from claimdesk.support.models import OutboxMessage
from tests.e2e.serving import Served, free_port, outpatient_claim, wait_for
from tests.factories import World

CLAIMS = 90
SUBMITTERS = 12
READERS = 3
OUTAGE_SECONDS = 3.0  # how long the database stays down
REQUEST_SECONDS = 15.0  # no request may take longer, outage or not
RECOVERY_SECONDS = 20.0  # from the database accepting connections to the server answering 2xx
JOBS_SECONDS = 60.0  # for the job runner to finish every job after the load

pytestmark = pytest.mark.skipif(
    not os.environ.get("CLAIMDESK_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="restarts PostgreSQL: runs once per suite, in its PostgreSQL leg (on a cluster "
    "of its own, not the leg's database)",
)


def server_programs() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or the newest in Debian's versioned folders."""
    if on_path := shutil.which("initdb"):
        return Path(on_path).parent
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class Cluster:
    """A private PostgreSQL cluster in a temporary folder (socket there too), on a free
    port, trust authentication, no fsync: made, crashed, restarted and removed by the test.
    PostgreSQL refuses to run as root, so under root it runs as the ``postgres`` user."""

    def __init__(self, programs: Path, root: Path) -> None:
        self.programs = programs
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*as_owner, str(self.programs / program), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "postgres.log")
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", log, "-o", options)

    def stop(self, mode: str) -> None:
        self._run("pg_ctl", "stop", "-w", "-D", str(self.data), "-m", mode)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    programs = server_programs()
    if programs is None:
        pytest.skip("needs PostgreSQL's server programs, initdb and pg_ctl (Debian: postgresql)")
    cluster = Cluster(programs, Path(tempfile.mkdtemp(prefix="claimdesk-restart-")))
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def served(cluster, tmp_path) -> Iterator[Served]:
    """``claimdesk db upgrade`` then ``claimdesk serve`` with its embedded job runner."""
    server = Served(cluster.url, tmp_path / "data", jobs=True)
    subprocess.run(
        [sys.executable, "-m", "claimdesk", "db", "upgrade"],
        env=server.env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private(cluster, served, tmp_path) -> Iterator[Container]:
    """The test's own view of the private database, to make the data and check it."""
    container = build(
        Settings(environment="test", database_url=cluster.url, data_dir=tmp_path / "data")
    )
    yield container
    container.engine.dispose()


@dataclass
class Reply:
    sent: float  # time.monotonic()
    took: float
    status: int | None  # None: no answer within REQUEST_SECONDS, or the connection failed
    body: str

    @property
    def answered(self) -> float:
        return self.sent + self.took


@dataclass
class Outage:
    mode: str  # how the database was stopped: pg_ctl stop -m <mode>
    down: float  # time.monotonic() when it had stopped
    restarting: float  # when it was started again
    up: float  # when it accepted connections again


def test_a_restarted_database_fails_requests_clearly_and_loses_nothing(cluster, served, private):
    world = World(private, served.client)  # the data made in-process, signed in by the server
    today = date.today()
    holders = [world.customer() for _ in range(8)]
    policies = [
        world.policy(h, start=today - timedelta(days=100), end=today + timedelta(days=200))
        for h in holders
    ]
    agent, adjuster = world.login(Role.AGENT), world.login(Role.ADJUSTER)
    incident = str(today - timedelta(days=2))
    replies: list[Reply] = []
    acknowledged: dict[int, int] = {}
    lock = threading.Lock()
    done = threading.Event()

    def send(method: str, url: str, **kwargs) -> Reply:
        sent = time.monotonic()
        try:
            response = served.client.request(method, url, timeout=REQUEST_SECONDS, **kwargs)
            status, body = response.status_code, response.text
        except httpx2.TransportError as exc:
            status, body = None, repr(exc)
        reply = Reply(sent, time.monotonic() - sent, status, body)
        with lock:
            replies.append(reply)
        return reply

    def submit(n: int) -> None:
        body = outpatient_claim(policies[n % len(policies)].id, incident, n)
        headers = {**agent, "Idempotency-Key": f"restart-intake-{n}"}
        reply = send("POST", "/api/v1/claims", json=body, headers=headers)
        while reply.status == 503:  # not acknowledged: send it again, same key
            time.sleep(0.2)
            reply = send("POST", "/api/v1/claims", json=body, headers=headers)
        if reply.status == 201:  # anything else fails the checks below, with its body
            with lock:
                acknowledged[n] = json.loads(reply.body)["id"]

    def read() -> None:
        while not done.is_set():
            with lock:
                known = list(acknowledged.values())
            if known:
                send("GET", f"/api/v1/claims/{random.choice(known)}", headers=adjuster)
            send("GET", "/api/v1/claims", params={"limit": 20}, headers=adjuster)
            time.sleep(0.05)

    outages: list[Outage] = []

    def restart(mode: str) -> None:
        cluster.stop(mode)
        down = time.monotonic()
        time.sleep(OUTAGE_SECONDS / 2)
        probe = served.client.get("/readyz", timeout=REQUEST_SECONDS)
        assert probe.status_code == 503, probe.text
        assert probe.json()["error"]["code"] == "database_unavailable"
        time.sleep(OUTAGE_SECONDS / 2)
        restarting = time.monotonic()
        cluster.start()
        outages.append(Outage(mode, down, restarting, time.monotonic()))

    with ThreadPoolExecutor(SUBMITTERS + READERS) as pool:
        readers = [pool.submit(read) for _ in range(READERS)]
        submissions = [pool.submit(submit, n) for n in range(CLAIMS)]
        wait_for(lambda: len(acknowledged) >= CLAIMS // 3, "a third of the claims")
        restart("immediate")
        wait_for(lambda: len(acknowledged) >= 2 * CLAIMS // 3, "two thirds of the claims")
        restart("fast")
        for future in submissions:
            future.result()
        done.set()
        for future in readers:
            future.result()

    # Every request was answered in time, with a success or a clear 503, never a 500.
    assert all(r.status is not None for r in replies), [r.body for r in replies if not r.status]
    slowest = max(r.took for r in replies)
    assert slowest < REQUEST_SECONDS
    codes = Counter(r.status for r in replies)
    assert set(codes) <= {200, 201, 503}, [
        r.body for r in replies if r.status not in (200, 201, 503)
    ]
    refused = [r for r in replies if r.status == 503]
    assert all('"code":"database_unavailable"' in r.body for r in refused), refused[0].body
    assert not any("Traceback" in r.body for r in replies)
    log = (served.log_dir / "server.log").read_text()
    assert "Exception in ASGI application" not in log  # the server handled every error
    ends = [outage.down for outage in outages[1:]] + [float("inf")]
    for outage, next_down in zip(outages, ends, strict=True):
        during = [r for r in replies if outage.down <= r.sent and r.answered <= outage.restarting]
        assert during, f"no request was sent while the database was down ({outage})"
        assert {r.status for r in during} == {503}, outage
        after = [r for r in replies if r.sent >= outage.up and r.status in (200, 201)]
        recovered = min(r.answered for r in after) - outage.up
        assert recovered < RECOVERY_SECONDS, outage
        late = [r for r in replies if outage.up + RECOVERY_SECONDS <= r.sent < next_down]
        assert {r.status for r in late} <= {200, 201}, outage
        print(
            f"\n-m {outage.mode}: down {outage.up - outage.down:.1f} s, {len(during)} requests "
            f"got 503 meanwhile, first 2xx {recovered:.2f} s after the database was back"
        )
    slowest_503 = max(r.took for r in refused)
    print(
        f"{len(replies)} requests {dict(codes)}; slowest {slowest:.2f} s, 503 {slowest_503:.2f} s"
    )

    # Every acknowledged claim exists once, whole.
    assert len(acknowledged) == CLAIMS
    assert len(set(acknowledged.values())) == CLAIMS
    with private.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Claim)) == CLAIMS
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == CLAIMS
        assert set(session.scalars(select(Claim.id))) == set(acknowledged.values())
        lines = session.execute(select(LossLine.claim_id, func.count()).group_by(LossLine.claim_id))
        assert dict(lines.all()) == dict.fromkeys(acknowledged.values(), 1)
        reported = session.execute(
            select(ClaimEvent.id, ClaimEvent.claim_id).where(ClaimEvent.kind == "reported")
        ).all()
        assert sorted(claim_id for _, claim_id in reported) == sorted(acknowledged.values())
        recorded = session.scalars(
            select(AuditEntry.subject_id).where(AuditEntry.action == "claim.reported")
        )
        assert sorted(map(int, recorded)) == sorted(event_id for event_id, _ in reported)

    # The job runner survived both restarts and did every claim's work: its customer was
    # told, once. A message the crash caught mid-send stays "sending" until its lease runs
    # out (5 minutes), then the outbox sends it again: late, not lost.
    def jobs_done() -> bool:
        with private.sessions() as session:
            return not session.scalar(select(func.count()).select_from(Job))

    started = time.monotonic()
    wait_for(jobs_done, "the job runner to finish every job", seconds=JOBS_SECONDS)
    print(f"the last job finished {time.monotonic() - started:.1f} s after the load")
    with private.sessions() as session:
        notices = session.execute(select(OutboxMessage.key, OutboxMessage.state)).all()
    told = sorted(int(key.split(":")[1]) for key, _ in notices)
    assert told == sorted(acknowledged.values())
    assert {state for _, state in notices} <= {"sent", "sending"}

    verified = subprocess.run(
        [sys.executable, "-m", "claimdesk", "audit", "verify"],
        env=served.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
