"""`claimdesk serve` as a real process on a real port: its embedded job runner reads an
uploaded document in the background, as an insurer running the default set-up would see."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta

import httpx2
import pytest

from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from claimdesk.security.service import create_user
from tests import samples
from tests.e2e.serving import free_port, wait_for
from tests.factories import PASSWORD


@pytest.fixture
def server(container, tmp_path) -> Iterator[httpx2.Client]:
    port = free_port()
    env = {
        **os.environ,
        "CLAIMDESK_DATABASE_URL": container.settings.resolved_database_url,
        "CLAIMDESK_DATA_DIR": str(tmp_path / "data"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "claimdesk", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the server and its job runner form one process group
    )
    client = httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def ready() -> bool | None:
        try:
            return client.get("/readyz").status_code == 200
        except httpx2.TransportError:
            return False

    try:
        wait_for(ready, "the server to answer /readyz")
        yield client
    finally:
        client.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def test_served_app_reads_an_uploaded_invoice_in_the_background(world, server):
    holder = world.customer("王小明")
    today = date.today()
    policy = world.policy(
        holder, start=today - timedelta(days=200), end=today + timedelta(days=160)
    )
    with unit_of_work(world.container.sessions) as session:
        create_user(
            session,
            hasher=world.container.hasher,
            username="served-customer",
            password=PASSWORD,
            role=Role.CUSTOMER,
            customer_id=holder.id,
            now=world.now,
        )
    token = server.post(
        "/api/v1/auth/token", data={"username": "served-customer", "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    claim = server.post(
        "/api/v1/claims",
        json={
            "policy_id": policy.id,
            "claim_type": "outpatient",
            "incident_date": str(today - timedelta(days=3)),
            "description": "门诊治疗肺炎",
            "claimed_amount": "2034.50",
        },
        headers=headers,
    )
    assert claim.status_code == 201, claim.text
    claim_id = claim.json()["id"]

    upload = server.post(
        f"/api/v1/claims/{claim_id}/documents",
        files={"file": ("invoice.pdf", samples.pdf(samples.INVOICE_ZH))},
        headers=headers,
    )
    assert upload.status_code == 201, upload.text

    def read_documents():
        documents = server.get(f"/api/v1/claims/{claim_id}/documents", headers=headers).json()
        return documents if all(d["status"] != "received" for d in documents) else None

    (document,) = wait_for(read_documents, "the job runner to read the document")
    assert document["status"] == "read"
    assert document["kind"] == "itemised_invoice"
    assert document["fields"]["amount"] == "2034.50"
