"""Straight-through claims over HTTP, end to end: ``POST /api/v1/claims`` (with an
Idempotency-Key) to ``claimdesk serve`` with risk routing on and straight-through
processing up to 3,000, then ``GET /api/v1/claims/{id}/timeline`` every 20 ms until the
background job has scored and routed the claim (straight through, review, investigation or
SIU). No documents are uploaded, so a straight-through claim then waits for its minimum
documents before anything is paid (no money without evidence): the benchmark measures the
report and the routing, not the payment.

Setup (not timed), through the services: customers with a verified account and an
accident policy in force, and an agent who reports for them (small ``accidental_medical``
claims: a simple claim type; each description names its visit, so no claim repeats
another's loss line, which the fraud rules would flag). ``claimdesk serve`` runs in a
process of its own (uvicorn and its embedded job runner); the load comes from another
process on loopback (bench/_load.py) for a fixed time, once the served job runner is up
(it has routed one claim) and has worked off any jobs earlier benchmarks left in the
ledger. The baselines, in the same run: a bare Starlette endpoint accepting the same JSON,
served by uvicorn the same way, and the same server's ``/healthz`` under the same number
of clients. Time is wall time; nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench._http import (
    PASSWORD,
    app_env,
    free_port,
    insured_customers,
    load,
    ms,
    percentile,
    served,
    staff_user,
    token,
)
from bench.common import Target, fmt_rate
from claimdesk.jobs.enums import JobStatus
from claimdesk.jobs.models import Job
from claimdesk.security.enums import Role

TITLE = "Straight-through claims over HTTP"
CUSTOMERS = 200  # few claims each: the frequent-claims flag stays off


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def _bodies(target: Target) -> list[dict]:
    incident = str(date.today() - timedelta(days=3))
    return [
        {
            "policy_id": insured.policy_id,
            "claim_type": "accidental_medical",
            "incident_date": incident,
            "description": "踝关节扭伤拍片 / Sprained ankle, X-ray, visit {n}",
            "claimed_amount": "800.00",
            "channel": "phone",
            "bank_account_id": insured.account_id,
        }
        for insured in insured_customers(target.container, CUSTOMERS, "ACC-PLUS")
    ]


def _drain_jobs(target: Target, limit: float = 900.0) -> tuple[int, float]:
    """Wait while the served job runner works off the jobs that earlier benchmarks left in
    the ledger (their claims' notifications and routing), so that the load meets an idle
    server; returns how many there were and the wait in seconds."""
    waiting = (
        select(func.count())
        .select_from(Job)
        .where(Job.status.in_((JobStatus.PENDING, JobStatus.RUNNING)))
    )
    started = time.monotonic()
    with target.container.sessions() as session:
        backlog = session.scalar(waiting) or 0
    left = backlog
    while left and time.monotonic() - started < limit:
        time.sleep(1.0)
        with target.container.sessions() as session:
            left = session.scalar(waiting) or 0
    return backlog, time.monotonic() - started


def _report_one(port: int, headers: dict[str, str], body: dict) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request(
        "POST",
        "/api/v1/claims",
        body=json.dumps(body).replace("{n}", "warm-up"),
        headers={**headers, "Content-Type": "application/json"},
    )
    connection.getresponse().read()
    connection.close()


def run(target: Target, args: argparse.Namespace) -> Result:
    bodies = _bodies(target)
    username, _ = staff_user(target.container, Role.AGENT)
    seconds, threads = args.http_seconds, args.http_concurrency
    with tempfile.TemporaryDirectory(prefix="claimdesk-http-") as tmp:
        port = free_port()
        env = {
            **app_env(target.container, Path(tmp)),
            "CLAIMDESK_RISK_ROUTING": "true",
            "CLAIMDESK_STP_MAX_AMOUNT": "3000",
        }
        argv = ["-m", "claimdesk", "serve", "--port", str(port)]
        with served(argv, port=port, env=env, ready_path="/readyz"):
            headers = {
                "Authorization": f"Bearer {token(port, username, PASSWORD)}",
                "Idempotency-Key": f"bench-stp-{port}-{{n}}",
            }
            _report_one(port, headers, bodies[-1])  # its job shows when the job runner is up
            backlog, waited = _drain_jobs(target)
            print(f"  job runner up and {backlog} jobs worked off in {waited:.0f} s")
            requests = [
                {
                    "method": "POST",
                    "path": "/api/v1/claims",
                    "headers": headers,
                    "body": body,
                    "until": {"path": "/api/v1/claims/{id}/timeline", "kind": "risk_routed"},
                }
                for body in bodies
            ]
            app = load(port=port, seconds=seconds, concurrency=threads, requests=requests)
            probe = [{"method": "GET", "path": "/healthz"}]
            healthz = load(port=port, seconds=seconds, concurrency=threads, requests=probe)
    port = free_port()
    with served(
        ["-m", "uvicorn", "bench._bare:app", "--port", str(port)],
        port=port,
        env={},
        ready_path="/claims/1",
    ):
        requests = [{"method": "POST", "path": "/claims", "body": body} for body in bodies]
        bare = load(port=port, seconds=seconds, concurrency=threads, requests=requests)
    ratio = app.p(0.5) / bare.p(0.5)
    to_healthz = app.p(0.5) / healthz.p(0.5)
    straight = sum(n for route, n in app.outcomes.items() if route.startswith("straight_through"))
    moved = sum(app.outcomes.values())
    outcomes = ", ".join(f"{status} {count}" for status, count in sorted(app.outcomes.items()))
    print(
        f"  claims {len(app.latencies)}: POST p50 {ms(app.p(0.5))} p99 {ms(app.p(0.99))}, to "
        f"routed p50 {ms(percentile(app.end_to_end, 0.5))}; bare p50 {ms(bare.p(0.5))}"
    )
    markdown = "\n".join(
        [
            f"On {target.label}: {threads} client threads, {seconds:.0f} s per server.",
            "",
            "| measured | p50 | p99 | count |",
            "|---|---|---|---|",
            f"| `POST /api/v1/claims` → 201 | {ms(app.p(0.5))} | {ms(app.p(0.99))} | "
            f"{len(app.latencies):,} ({app.errors()} non-2xx) |",
            f"| report → routed by the background job (end to end) | "
            f"{ms(percentile(app.end_to_end, 0.5))} | {ms(percentile(app.end_to_end, 0.99))} | "
            f"{moved:,} ({app.unfinished} not routed within 30 s) |",
            f"| the same server's `GET /healthz` (baseline) | {ms(healthz.p(0.5))} | "
            f"{ms(healthz.p(0.99))} | {len(healthz.latencies):,} |",
            f"| bare Starlette `POST` (baseline) | {ms(bare.p(0.5))} | {ms(bare.p(0.99))} | "
            f"{len(bare.latencies):,} |",
            "",
            f"Where the claims went: {outcomes or '-'}"
            f" ({straight} routed straight through). Claims reported: "
            f"{fmt_rate(app.requests_per_second)}/s. POST p50 is **{to_healthz:.1f}×** the "
            f"same server's `/healthz` and **{ratio:.1f}×** the bare endpoint's; POST p99 "
            f"**{ms(app.p(0.99))}** (target < 100 ms).",
        ]
    )
    return Result(
        {
            "database": target.label,
            "POST p50": ms(app.p(0.5)),
            "POST p99": ms(app.p(0.99)),
            "to routed p50": ms(percentile(app.end_to_end, 0.5)),
            "to routed p99": ms(percentile(app.end_to_end, 0.99)),
            "routed straight through": f"{straight}/{moved}",
            "/healthz p50": ms(healthz.p(0.5)),
            "bare p50": ms(bare.p(0.5)),
        },
        markdown,
    )
