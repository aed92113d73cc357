"""A burst against a real served process with its job runner: many identical claim reports
at once (one customer, one Idempotency-Key) while another customer reads. Every request is
answered with a clear status, exactly one claim is made, the reads are served throughout,
and the job runner beside the server still gets its turn at the database (it scores the
claim). CLAIMDESK_BURST_REQUESTS sets the size (default 60 here; docs/benchmarks.md shows
the 200 run). No timing is asserted."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx2
import pytest
from sqlalchemy import func, select

from claimdesk.claims.models import Claim
from claimdesk.fraud.models import RiskAssessment
from claimdesk.security.enums import Role
from tests.e2e.serving import Served, outpatient_claim, wait_for

REQUESTS = int(os.environ.get("CLAIMDESK_BURST_REQUESTS", "60"))
ANSWERS = {200, 201, 409, 429}  # created or replayed, the same key in progress, slow down


@pytest.fixture
def served(container, tmp_path) -> Iterator[Served]:
    server = Served(
        container.settings.resolved_database_url,
        tmp_path / "data",
        jobs=True,
        max_connections=REQUESTS + 4,
    )
    server.start()
    yield server
    server.stop()


def test_identical_reports_at_once_make_one_claim_and_reads_go_on(world, served, container):
    this_year = date.today().replace(month=1, day=1)
    reporter, reader = world.customer(), world.customer()
    policy = world.policy(reporter, start=this_year, end=this_year.replace(month=12, day=31))
    reader_policy = world.policy(reader, start=this_year, end=this_year.replace(month=12, day=31))
    world.login(Role.CUSTOMER, reporter)
    reporter_headers = served.sign_in(world.last_username)
    world.login(Role.CUSTOMER, reader)
    reader_headers = served.sign_in(world.last_username)
    incident = str(date.today() - timedelta(days=2))
    earlier = served.client.post(
        "/api/v1/claims",
        json={**outpatient_claim(reader_policy.id, incident, 0), "channel": "web"},
        headers=reader_headers,
    )
    assert earlier.status_code == 201, earlier.text

    body = {**outpatient_claim(policy.id, incident, 1), "channel": "web"}
    headers = {**reporter_headers, "Idempotency-Key": "burst-1"}
    start = threading.Barrier(REQUESTS)
    burst_over = threading.Event()
    read_statuses: Counter[int] = Counter()

    def report(_: int) -> httpx2.Response:
        start.wait()
        return served.client.post("/api/v1/claims", json=body, headers=headers)

    def read_meanwhile() -> None:
        while not burst_over.is_set():
            response = served.client.get("/api/v1/claims?limit=5", headers=reader_headers)
            read_statuses[response.status_code] += 1

    reading = threading.Thread(target=read_meanwhile)
    reading.start()
    with ThreadPoolExecutor(REQUESTS) as pool:
        responses = list(pool.map(report, range(REQUESTS)))
    burst_over.set()
    reading.join()

    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= ANSWERS, [r.text for r in responses if r.status_code not in ANSWERS]
    made = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers]
    assert len(made) == 1
    created = {r.json()["id"] for r in responses if r.status_code in (200, 201)}
    assert len(created) == 1
    for response in responses:
        if response.status_code in (409, 429):
            assert response.json()["error"]["code"], response.text
    assert set(read_statuses) == {200}, read_statuses
    with container.sessions() as session:
        claims = session.scalar(
            select(func.count()).select_from(Claim).where(Claim.policy_id == policy.id)
        )
    assert claims == 1
    (claim_id,) = created

    def scored() -> bool:
        with container.sessions() as session:
            return bool(
                session.scalar(
                    select(func.count())
                    .select_from(RiskAssessment)
                    .where(RiskAssessment.claim_id == claim_id)
                )
            )

    wait_for(scored, "the job runner to score the claim")
