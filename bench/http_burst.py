"""A burst of identical claim reports over HTTP: ``--burst-requests`` (default 200) clients
send the same ``POST /api/v1/claims`` at once (one customer, one Idempotency-Key, each on a
connection of its own, released together), to ``claimdesk serve`` with its job runner,
while another customer reads ``GET /api/v1/claims?limit=5`` over one keep-alive connection
until every report is answered. The baseline: the same reader against the same server
before the burst (its quiet latency), and the burst's ``/healthz`` twin (the same number of
clients at once on the trivial endpoint).

Counted: every answer by status (201 created or replayed, 409 the same key in progress,
429 slowed down; anything else, 5xx or no answer within 60 s, is a failure), the claims
made (must be one), the reader's p50/p99 during the burst against quiet, and the time
until the job runner scored the claim. Setup (not timed) through the services; the load
runs in this process on loopback. Time is wall time; nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench._http import (
    PASSWORD,
    app_env,
    free_port,
    insured_customers,
    ms,
    percentile,
    served,
    token,
)
from bench.common import Target
from claimdesk.claims.models import Claim
from claimdesk.core.db import unit_of_work
from claimdesk.fraud.models import RiskAssessment
from claimdesk.security.enums import Role
from claimdesk.security.service import create_user

TITLE = "A burst of identical claim reports over HTTP"
ANSWERED = {200, 201, 409, 429}
CLIENT_TIMEOUT = 60.0
QUIET_READS = 200


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("HTTP burst benchmark")
    group.add_argument(
        "--burst-requests", type=int, default=200, help="identical reports at once (default 200)"
    )


def _report_body(policy_id: int) -> str:
    return json.dumps(
        {
            "policy_id": policy_id,
            "claim_type": "outpatient",
            "incident_date": str(date.today() - timedelta(days=2)),
            "description": "门诊 / Outpatient visit",
            "claimed_amount": "600.00",
            "channel": "web",
        }
    )


def _customer_user(target: Target, customer_id: int) -> str:
    with unit_of_work(target.container.sessions) as session:
        user = create_user(
            session,
            hasher=target.container.hasher,
            username=f"bench-burst-{customer_id}",
            password=PASSWORD,
            role=Role.CUSTOMER,
            customer_id=customer_id,
            now=target.container.clock.now(),
        )
        return user.username


def _send(
    port: int, method: str, path: str, headers: dict[str, str], body: str | None = None
) -> tuple[int | None, float]:
    """One request on a new connection: its status (None: no answer in time) and duration."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    except OSError:
        return None, time.perf_counter() - started
    finally:
        connection.close()


def _read_loop(
    port: int, headers: dict[str, str], stop: threading.Event, latencies: list[float]
) -> Counter[int]:
    statuses: Counter[int] = Counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    while not stop.is_set():
        started = time.perf_counter()
        connection.request("GET", "/api/v1/claims?limit=5", headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        statuses[response.status] += 1
    connection.close()
    return statuses


def _burst(
    port: int, count: int, method: str, path: str, headers: dict[str, str], body: str | None
) -> list[tuple[int | None, float]]:
    """``count`` requests released together; their statuses and durations."""
    start = threading.Barrier(count)
    results: list[tuple[int | None, float]] = [(None, 0.0)] * count

    def one(n: int) -> None:
        start.wait()
        results[n] = _send(port, method, path, headers, body)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def run(target: Target, args: argparse.Namespace) -> Result:
    count = args.burst_requests
    reporter, reader = insured_customers(target.container, 2, "MED-HOSP")
    reporter_name = _customer_user(target, reporter.customer_id)
    reader_name = _customer_user(target, reader.customer_id)
    body = _report_body(reporter.policy_id)
    with tempfile.TemporaryDirectory(prefix="claimdesk-http-") as tmp:
        port = free_port()
        argv = ["-m", "claimdesk", "serve", "--port", str(port)]
        env = app_env(target.container, Path(tmp))
        with served(argv, port=port, env=env, ready_path="/readyz"):
            reporter_headers = {
                "Authorization": f"Bearer {token(port, reporter_name, PASSWORD)}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-burst-{port}",
            }
            reader_headers = {"Authorization": f"Bearer {token(port, reader_name, PASSWORD)}"}
            json_headers = {**reader_headers, "Content-Type": "application/json"}
            _send(port, "POST", "/api/v1/claims", json_headers, _report_body(reader.policy_id))
            quiet: list[float] = []
            quiet_stop = threading.Event()
            quiet_thread = threading.Thread(
                target=lambda: _read_loop(port, reader_headers, quiet_stop, quiet)
            )
            quiet_thread.start()
            while len(quiet) < QUIET_READS:
                time.sleep(0.05)
            quiet_stop.set()
            quiet_thread.join()
            healthz = _burst(port, count, "GET", "/healthz", {}, None)

            during: list[float] = []
            stop = threading.Event()
            read_statuses: Counter[int] = Counter()
            reading = threading.Thread(
                target=lambda: read_statuses.update(_read_loop(port, reader_headers, stop, during))
            )
            reading.start()
            started = time.perf_counter()
            reports = _burst(port, count, "POST", "/api/v1/claims", reporter_headers, body)
            burst_seconds = time.perf_counter() - started
            stop.set()
            reading.join()
            with target.container.sessions() as session:
                claims = session.scalar(
                    select(func.count())
                    .select_from(Claim)
                    .where(Claim.policy_id == reporter.policy_id)
                )
                claim_id = session.scalar(
                    select(Claim.id).where(Claim.policy_id == reporter.policy_id)
                )
            scored_after = None
            while time.perf_counter() - started < 120:
                with target.container.sessions() as session:
                    if session.scalar(
                        select(func.count())
                        .select_from(RiskAssessment)
                        .where(RiskAssessment.claim_id == claim_id)
                    ):
                        scored_after = time.perf_counter() - started
                        break
                time.sleep(0.2)
    outcomes = Counter("no answer" if status is None else str(status) for status, _ in reports)
    failures = sum(n for s, n in outcomes.items() if s == "no answer" or int(s) not in ANSWERED)
    scored = "never (120 s)" if scored_after is None else f"{scored_after:.1f} s"
    report_times = [took for _, took in reports]
    health_times = [took for _, took in healthz]
    print(
        f"  {count} identical reports: {dict(outcomes)}, {claims} claim(s), all answered in "
        f"{burst_seconds:.1f} s; reads during the burst p99 {ms(percentile(during, 0.99))} "
        f"(quiet {ms(percentile(quiet, 0.99))}); scored after {scored}"
    )
    outcome_text = ", ".join(f"{status}: {n}" for status, n in sorted(outcomes.items()))
    markdown = "\n".join(
        [
            f"On {target.label}: {count} identical reports at once.",
            "",
            "| measured | p50 | p99 | max | count |",
            "|---|---|---|---|---|",
            f"| the burst's reports, each | {ms(percentile(report_times, 0.5))} | "
            f"{ms(percentile(report_times, 0.99))} | {ms(max(report_times))} | {count} |",
            f"| `/healthz` burst of the same size (baseline) | "
            f"{ms(percentile(health_times, 0.5))} | {ms(percentile(health_times, 0.99))} | "
            f"{ms(max(health_times))} | {count} |",
            f"| another customer's `GET /claims?limit=5` during the burst | "
            f"{ms(percentile(during, 0.5))} | {ms(percentile(during, 0.99))} | "
            f"{ms(max(during, default=float('nan')))} | {len(during)} "
            f"({sum(n for s, n in read_statuses.items() if s != 200)} non-200) |",
            f"| the same reads, quiet (baseline) | {ms(percentile(quiet, 0.5))} | "
            f"{ms(percentile(quiet, 0.99))} | {ms(max(quiet))} | {len(quiet)} |",
            "",
            f"Answers: {outcome_text}; failures (5xx or no answer): **{failures}**; claims made: "
            f"**{claims}**; every report answered within {burst_seconds:.1f} s; the job runner "
            f"scored the claim {scored} after the burst began.",
        ]
    )
    return Result(
        {
            "database": target.label,
            "answers": outcome_text,
            "failures": str(failures),
            "claims": str(claims),
            "reads p99 during": ms(percentile(during, 0.99)),
            "reads p99 quiet": ms(percentile(quiet, 0.99)),
            "all answered in": f"{burst_seconds:.1f} s",
        },
        markdown,
    )
