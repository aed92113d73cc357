"""The README's curl walk, run exactly as written (bash, curl, jq) against `claimdesk serve`
on a fresh demo database: with its uploads it pays; without them nothing is approved or paid."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.e2e.serving import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
UPLOADS = "# The customer uploads the five papers"

pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="the walk needs curl and jq"
)


def walk(*, uploads: bool) -> str:
    """The README's walk as bash; without ``uploads``, less its upload paragraph."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## One claim with curl", 1)[1]
    script = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert script is not None
    paragraphs = script.group(1).split("\n\n")
    assert sum(p.startswith(UPLOADS) for p in paragraphs) == 1
    return "\n\n".join(p for p in paragraphs if uploads or not p.startswith(UPLOADS))


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    """One fresh demo database (`claimdesk demo`), copied for each run of the walk."""
    data = tmp_path_factory.mktemp("demo") / "data"
    env = {**os.environ, "CLAIMDESK_DATA_DIR": str(data)}
    env.pop("CLAIMDESK_DATABASE_URL", None)
    loaded = subprocess.run(
        [sys.executable, "-m", "claimdesk", "demo"], env=env, capture_output=True, timeout=900
    )
    assert loaded.returncode == 0, loaded.stderr
    return data


@pytest.fixture
def served(demo_data, tmp_path) -> Iterator[tuple[str, httpx2.Client]]:
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    port = free_port()
    env = {**os.environ, "CLAIMDESK_DATA_DIR": str(data)}
    env.pop("CLAIMDESK_DATABASE_URL", None)
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "claimdesk", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the server and its job runner form one process group
        )
    client = httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def ready() -> bool:
        try:
            return client.get("/readyz").status_code == 200
        except httpx2.TransportError:
            return False

    try:
        wait_for(ready, "the server to answer /readyz")
        yield f"http://127.0.0.1:{port}", client
    finally:
        client.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def run(script: str, base: str) -> str:
    script = script.replace("http://127.0.0.1:8000", base, 1)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def the_claim(client: httpx2.Client) -> dict:
    token = client.post(
        "/api/v1/auth/token", data={"username": "customer1", "password": "customer1-demo-1"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    claims = client.get("/api/v1/claims", headers=headers).json()
    return next(c for c in claims if c["description"].startswith("肺炎住院"))


def test_the_walk_with_its_uploads_reads_the_papers_and_pays(served):
    base, client = served
    output = run(walk(uploads=True), base)
    assert output.count('"status":"received"') == 5  # then read in the background
    assert '"complete":true' in output
    assert '"error":"permission_denied"' in output  # four-eyes
    claim = the_claim(client)
    assert claim["status"] == "closed"
    assert claim["paid_amount"] == claim["approved_amount"] != "0.00"
    assert len(claim["payments"]) == 1


def test_the_walk_without_uploads_approves_and_pays_nothing(served):
    base, client = served
    output = run(walk(uploads=False), base)
    assert '"error":"evidence_missing"' in output
    claim = the_claim(client)
    assert claim["status"] == "coverage_verified"
    assert (claim["approved_amount"], claim["paid_amount"], claim["payments"]) == (
        "0.00",
        "0.00",
        [],
    )
