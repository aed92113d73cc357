"""Claim-status reads over HTTP: ``GET /api/v1/claims/{id}`` as an adjuster, against two
baselines measured in the same run: the same server's ``/healthz`` (the trivial endpoint
through the same stack) and a bare Starlette JSON endpoint (bench/_bare.py) served the same
way.

Setup (not timed), through the services: customers with policies and an agent's claims,
and an adjuster who can sign in. Each app is served by uvicorn in a process of its own
(one worker, default settings, access log on); the load comes from another process
(bench/_load.py: keep-alive ``http.client`` threads on loopback) for a fixed time,
reading the claims round robin. Time is wall time; nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench._http import (
    Load,
    app_env,
    free_port,
    insured_customers,
    load,
    ms,
    served,
    staff_user,
    token,
)
from bench.common import Target, fmt_rate
from claimdesk.claims import service
from claimdesk.claims.schemas import ClaimIn
from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role

TITLE = "Claim-status reads over HTTP"
CLAIMS = 200


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("HTTP benchmarks")
    group.add_argument(
        "--http-seconds", type=float, default=15.0, help="load time per server (default 15)"
    )
    group.add_argument("--http-concurrency", type=int, default=4, help="client threads (default 4)")


def _claims(target: Target) -> list[int]:
    container = target.container
    _, agent = staff_user(container, Role.AGENT)
    ids = []
    for insured in insured_customers(container, 20, "MED-HOSP"):
        with unit_of_work(container.sessions) as session:
            for _ in range(CLAIMS // 20):
                claim, _ = service.report_claim(
                    session,
                    actor=agent,
                    data=ClaimIn(
                        policy_id=insured.policy_id,
                        claim_type="outpatient",
                        incident_date=container.clock.now().date() - timedelta(days=3),
                        description="门诊 / Outpatient visit",
                        claimed_amount=Decimal("800.00"),
                        channel="phone",
                    ),
                    now=container.clock.now(),
                    settings=container.settings,
                )
                session.flush()
                ids.append(claim.id)
    return ids


def _row(name: str, measured: Load) -> str:
    return (
        f"| {name} | {fmt_rate(measured.requests_per_second)} | {ms(measured.p(0.5))} | "
        f"{ms(measured.p(0.99))} | {len(measured.latencies):,} | {measured.errors()} |"
    )


def run(target: Target, args: argparse.Namespace) -> Result:
    claim_ids = _claims(target)
    username, _ = staff_user(target.container, Role.ADJUSTER)
    seconds, threads = args.http_seconds, args.http_concurrency
    with tempfile.TemporaryDirectory(prefix="claimdesk-http-") as tmp:
        port = free_port()
        argv = ["-m", "uvicorn", "claimdesk.api.app:create_app", "--factory", "--port", str(port)]
        with served(
            argv, port=port, env=app_env(target.container, Path(tmp)), ready_path="/healthz"
        ):
            headers = {"Authorization": f"Bearer {token(port, username, 'bench-password-1')}"}
            requests = [
                {"method": "GET", "path": f"/api/v1/claims/{i}", "headers": headers}
                for i in claim_ids
            ]
            app = load(port=port, seconds=seconds, concurrency=threads, requests=requests)
            probe = [{"method": "GET", "path": "/healthz"}]
            healthz = load(port=port, seconds=seconds, concurrency=threads, requests=probe)
    port = free_port()
    argv = ["-m", "uvicorn", "bench._bare:app", "--port", str(port)]
    with served(argv, port=port, env={}, ready_path="/claims/1"):
        requests = [{"method": "GET", "path": f"/claims/{i}"} for i in claim_ids]
        bare = load(port=port, seconds=seconds, concurrency=threads, requests=requests)
    ratio = app.requests_per_second / bare.requests_per_second
    to_healthz = app.requests_per_second / healthz.requests_per_second
    print(
        f"  status reads {fmt_rate(app.requests_per_second)}/s (p99 {ms(app.p(0.99))}), "
        f"/healthz {fmt_rate(healthz.requests_per_second)}/s, bare "
        f"{fmt_rate(bare.requests_per_second)}/s: ratios {to_healthz:.2f} / {ratio:.2f}"
    )
    markdown = "\n".join(
        [
            f"On {target.label}: {threads} client threads, {seconds:.0f} s per server.",
            "",
            "| server | requests/s | p50 | p99 | requests | non-2xx |",
            "|---|---|---|---|---|---|",
            _row("ClaimDesk `GET /api/v1/claims/{id}`", app),
            _row("the same server's `GET /healthz` (baseline)", healthz),
            _row("bare Starlette JSON (baseline)", bare),
            "",
            f"Ratio to the same server's `/healthz`: **{to_healthz:.2f}** (target ≥ 0.5); "
            f"to the bare endpoint: **{ratio:.2f}**.",
        ]
    )
    return Result(
        {
            "database": target.label,
            "reads/s": fmt_rate(app.requests_per_second),
            "p99": ms(app.p(0.99)),
            "/healthz/s": fmt_rate(healthz.requests_per_second),
            "bare reads/s": fmt_rate(bare.requests_per_second),
            "ratio to /healthz": f"{to_healthz:.2f}",
            "ratio to bare": f"{ratio:.2f}",
        },
        markdown,
    )
