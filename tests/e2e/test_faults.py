"""Faults against a real served process: a server killed with SIGKILL in the middle of
claim submissions, a payment requested many times at once, two approvals at once.

Every client retries what was not acknowledged, with the same Idempotency-Key, as the
API asks. The number of concurrent submissions is CLAIMDESK_FAULT_CLAIMS (default 120
here; docs/benchmarks.md shows the 1,000 run).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx2
import pytest
from sqlalchemy import func, select

from claimdesk.claims.models import Claim, IdempotencyRecord, Payment
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from tests.e2e.serving import Served, outpatient_claim, wait_for

CLAIMS = int(os.environ.get("CLAIMDESK_FAULT_CLAIMS", "120"))
CLIENTS = 16
PAY_REQUESTS = 100


@pytest.fixture
def served(container, tmp_path) -> Iterator[Served]:
    server = Served(
        container.settings.resolved_database_url, tmp_path / "data", max_connections=PAY_REQUESTS
    )
    server.start()
    yield server
    server.stop()


def newest_user(world, role: Role) -> str:
    """Sign a user of this role up through the factories (qualified), return the name."""
    world.login(role)
    with world.container.sessions() as session:
        return session.scalars(
            select(User.username).where(User.role == role).order_by(User.id.desc())
        ).first()


def test_every_acknowledged_claim_exists_once_after_the_server_is_killed_mid_intake(
    world, served, container
):
    holders = [world.customer() for _ in range(8)]
    policies = [world.policy(h, start=date.today().replace(month=1, day=1)) for h in holders]
    agent = served.sign_in(newest_user(world, Role.AGENT))
    incident = str(date.today() - timedelta(days=2))
    acknowledged: dict[int, int] = {}
    lock = threading.Lock()
    killed = threading.Event()

    def submit(n: int) -> None:
        body = outpatient_claim(policies[n % len(policies)].id, incident, n)
        headers = {**agent, "Idempotency-Key": f"fault-intake-{n}"}
        while True:
            try:
                response = served.client.post("/api/v1/claims", json=body, headers=headers)
            except httpx2.TransportError:
                time.sleep(0.2)  # the server is down: try again, same key
                continue
            if response.status_code == 503:
                time.sleep(0.2)
                continue
            assert response.status_code == 201, response.text
            with lock:
                acknowledged[n] = response.json()["id"]
            return

    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(submit, n) for n in range(CLAIMS)]
        wait_for(lambda: len(acknowledged) >= CLAIMS // 3, "a third of the claims")
        served.kill()
        killed.set()
        served.start()
        for future in futures:
            future.result()

    assert killed.is_set()
    assert len(acknowledged) == CLAIMS
    assert len(set(acknowledged.values())) == CLAIMS  # one claim per key
    with container.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Claim)) == CLAIMS
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == CLAIMS
        numbers = session.scalars(select(Claim.number)).all()
    assert all(number.startswith("CLM") for number in numbers)  # none left half-made


def approved_claim(world) -> int:
    """An accident claim reviewed, its papers read, assessed, verified and approved
    in-process."""
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    policy = world.policy(holder, "ACC-PLUS", sum_insured="500000")
    claim = world.report(
        customer,
        policy,
        amount="800.00",
        claim_type="accidental_death_disability",
        bank_account_id=holder.bank_accounts[0].id,
    ).json()
    assert world.settle(customer, claim["id"], until="approve")["status"] == "approved"
    return claim["id"]


def test_a_hundred_identical_payment_requests_at_once_pay_once(world, served, container):
    claim_id = approved_claim(world)
    payer = served.sign_in(newest_user(world, Role.ADJUSTER))
    start = threading.Barrier(PAY_REQUESTS)

    def pay(_: int) -> httpx2.Response:
        start.wait()
        return served.client.post(
            f"/api/v1/claims/{claim_id}/transitions",
            json={"action": "pay", "idempotency_key": "fault-pay-1"},
            headers=payer,
        )

    with ThreadPoolExecutor(PAY_REQUESTS) as pool:
        responses = list(pool.map(pay, range(PAY_REQUESTS)))

    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 409, 503}, [r.text for r in responses if r.status_code >= 500]
    assert codes[200] >= 1
    for response in responses:
        if response.status_code != 200:
            assert response.json()["error"]["code"], response.text
    with container.sessions() as session:
        payments = session.scalars(select(Payment).where(Payment.claim_id == claim_id)).all()
        claim = session.get(Claim, claim_id)
        assert len(payments) == 1
        assert claim.status == "paid"
        assert claim.paid_amount == payments[0].amount == claim.approved_amount


def test_two_approvals_at_once_make_one_transition_and_a_clear_conflict(world, served, container):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    policy = world.policy(holder, "ACC-PLUS", sum_insured="500000")
    claim_id = world.report(
        customer,
        policy,
        amount="800.00",
        claim_type="accidental_death_disability",
        bank_account_id=holder.bank_accounts[0].id,
    ).json()["id"]
    world.settle(customer, claim_id, until="verify_coverage")
    approvers = [served.sign_in(newest_user(world, Role.SENIOR_ADJUSTER)) for _ in range(2)]
    start = threading.Barrier(2)

    def approve(headers: dict[str, str]) -> httpx2.Response:
        start.wait()
        return served.client.post(
            f"/api/v1/claims/{claim_id}/transitions", json={"action": "approve"}, headers=headers
        )

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(approve, approvers))

    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    conflict = next(r for r in responses if r.status_code == 409).json()["error"]
    assert conflict["code"] and conflict["message"]
    with container.sessions() as session:
        claim = session.get(Claim, claim_id)
        assert claim.status == "approved"
    reader = world.staff(Role.ADJUSTER)
    timeline = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=reader).json()
    assert [e["kind"] for e in timeline].count("approve") == 1
