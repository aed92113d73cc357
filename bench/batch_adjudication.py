"""Batch adjudication: claims driven through the real service layer vs. a raw insert.

Setup (not timed), through the services: a few customers, each with a verified bank account
and one policy (alternately motor ``vehicle_damage`` and accident
``accidental_death_disability``: no annual limits, so N claims never exhaust a limit), and
three staff users (an agent reports, an adjuster assesses and later pays, a supervisor
approves, waiving the claim's papers with a reason since the bench uploads none: four-eyes
holds and the evidence guard runs). Each account is verified by a second person. The
synthetic claims (two claimant loss lines each, restated by the assessor, one in two
trimmed to 80 %) are spread round-robin over the policies.

Measured, in this order, each once after a short warm-up on a policy of its own:

1. adjudication: per claim ``report_claim`` -> ``start_review`` -> ``assess`` ->
   ``verify_coverage`` -> ``approve`` -> ``pay`` through :mod:`claimdesk.claims.service`,
   committed per claim (default; a session per claim), per action (a session per action,
   as the HTTP API does) or per batch (one session per batch);
2. raw insert A: the claim and loss line rows that run produced, copied with SQLAlchemy
   Core ``insert()`` executemany in one transaction (the baseline of the ratio);
3. raw insert B: every row the run left (claims, loss lines, timeline events, payments),
   the same way: what the bare writes cost without the rules.

Time is ``time.perf_counter`` wall time; nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import pstats
import random
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from time import perf_counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench._raw import raw_insert, read_rows
from bench.common import BENCH_NOW, SqlMeter, Target, fmt_rate, rate
from claimdesk.bootstrap import Container
from claimdesk.claims import service
from claimdesk.claims.enums import Channel, ClaimAction, ClaimStatus
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import ClaimIn, LossLineIn, TransitionIn
from claimdesk.compliance.service import certify_for_every_gate
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.db import unit_of_work
from claimdesk.customers.schemas import BankAccountIn, CustomerIn
from claimdesk.customers.service import create_customer, verify_bank_account
from claimdesk.policies.schemas import PolicyIn
from claimdesk.policies.service import create_policy
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor, create_user

TITLE = "Batch adjudication"

PRODUCTS = (("MOTOR-COMP", "vehicle_damage"), ("ACC-PLUS", "accidental_death_disability"))
STEPS = ("report", "start_review", "assess", "verify_coverage", "approve", "pay", "commit")
COMMIT_MODES = {
    "claim": "commit per claim (a session per claim)",
    "action": "commit per action (a session per action, as the HTTP API)",
    "batch": "commit per batch (one session per batch)",
}
_serial = itertools.count(1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("batch adjudication")
    group.add_argument("--claims", type=int, default=2000, metavar="N", help="default 2000")
    group.add_argument(
        "--policies", type=int, default=4, help="policies the claims share (default 4)"
    )
    group.add_argument("--batch-size", type=int, default=100, help="claims a batch (default 100)")
    group.add_argument(
        "--commit",
        choices=tuple(COMMIT_MODES),
        default="claim",
        help="transaction scope of the adjudication (default claim)",
    )
    group.add_argument(
        "--warmup", type=int, default=50, help="claims before each measurement (default 50)"
    )


# ---------------------------------------------------------------- setup


@dataclass(frozen=True)
class PolicyRef:
    id: int
    claim_type: str
    holder_id: int
    bank_account_id: int


@dataclass(frozen=True)
class Desk:
    """Who does what, under which settings."""

    settings: Settings
    reporter: Actor
    assessor: Actor
    approver: Actor
    payer: Actor


def _desk(container: Container) -> Desk:
    actors = {}
    with unit_of_work(container.sessions) as session:
        for name, role in (
            ("reporter", Role.AGENT),
            ("assessor", Role.ADJUSTER),
            ("approver", Role.SUPERVISOR),
        ):
            user = create_user(
                session,
                hasher=container.hasher,
                username=f"bench-{name}-{next(_serial)}",
                password="bench-password-1",
                role=role,
                now=BENCH_NOW,
            )
            if role != Role.AGENT:  # assessing and approving need valid certificates
                certify_for_every_gate(
                    session,
                    user=user,
                    issued_on=date(2020, 1, 1),
                    expires_on=None,
                    issuer="bench",
                    now=BENCH_NOW,
                )
            actors[name] = Actor(user_id=user.id, role=role)
    return Desk(container.settings, payer=actors["assessor"], **actors)


def _policies(container: Container, count: int) -> list[PolicyRef]:
    refs = []
    for i in range(count):
        n = next(_serial)
        product, claim_type = PRODUCTS[i % len(PRODUCTS)]
        name = f"基准客户{n}"
        with unit_of_work(container.sessions) as session:
            customer = create_customer(
                session,
                data=CustomerIn(
                    name=name,
                    id_number=f"BENCH{n:08d}",
                    phone="13800000000",
                    bank_accounts=[
                        BankAccountIn(
                            bank_name="ICBC", account_number=f"62220200{n:010d}", holder_name=name
                        )
                    ],
                ),
                now=BENCH_NOW,
            )
            account_id = customer.bank_accounts[0].id
            verify_bank_account(
                session,
                actor=Actor(user_id=None, role=Role.SUPERVISOR),
                customer_id=customer.id,
                account_id=account_id,
                now=BENCH_NOW,
            )
            policy = create_policy(
                session,
                data=PolicyIn(
                    product_code=product,
                    holder_id=customer.id,
                    start_date=BENCH_NOW.date().replace(month=1, day=1),
                    end_date=BENCH_NOW.date().replace(month=12, day=31),
                    sum_insured=Decimal("900000000"),  # never the limiting factor
                ),
                now=BENCH_NOW,
            )
            refs.append(PolicyRef(policy.id, claim_type, customer.id, account_id))
    return refs


@dataclass(frozen=True)
class ClaimSpec:
    index: int
    policy: PolicyRef
    incident_days_ago: int
    claimed: tuple[Decimal, Decimal]
    assessed: tuple[Decimal, Decimal]


def _specs(policies: Sequence[PolicyRef], count: int, seed: int) -> list[ClaimSpec]:
    rng = random.Random(seed)
    specs = []
    for i in range(count):
        first = Decimal(rng.randrange(50_000, 400_000)).scaleb(-2)
        second = Decimal(rng.randrange(10_000, 300_000)).scaleb(-2)
        trimmed = (second * Decimal("0.8")).quantize(Decimal("0.01")) if i % 2 else second
        specs.append(
            ClaimSpec(
                index=i,
                policy=policies[i % len(policies)],
                incident_days_ago=1 + rng.randrange(120),
                claimed=(first, second),
                assessed=(first, trimmed),
            )
        )
    return specs


# ---------------------------------------------------------------- the service calls

Action = Callable[[Session, int | None, ClaimSpec, Desk], int]


def _now(spec: ClaimSpec) -> Any:
    return BENCH_NOW + timedelta(seconds=spec.index)


def _report(session: Session, _: int | None, spec: ClaimSpec, desk: Desk) -> int:
    now = _now(spec)
    first, second = spec.claimed
    data = ClaimIn(
        policy_id=spec.policy.id,
        claim_type=spec.policy.claim_type,
        incident_date=local_date(now, "Asia/Shanghai") - timedelta(days=spec.incident_days_ago),
        description=f"Benchmark claim {spec.index} / 基准理赔",
        claimed_amount=first + second,
        channel=Channel.PHONE,
        incident_location="Shanghai",
        loss_lines=[
            LossLineIn(description="Repair / 修理", amount=first),
            LossLineIn(description="Parts / 配件", amount=second),
        ],
        bank_account_id=spec.policy.bank_account_id,
    )
    claim, _replayed = service.report_claim(
        session, actor=desk.reporter, data=data, now=now, settings=desk.settings
    )
    return claim.id


def _transition(action: ClaimAction, who: str) -> Action:
    def act(session: Session, claim_id: int | None, spec: ClaimSpec, desk: Desk) -> int:
        assert claim_id is not None
        extra: dict[str, Any] = {}
        if action == ClaimAction.ASSESS:
            extra["loss_lines"] = [
                LossLineIn(description="Repair (assessed) / 修理", amount=spec.assessed[0]),
                LossLineIn(description="Parts (assessed) / 配件", amount=spec.assessed[1]),
            ]
        elif action == ClaimAction.APPROVE:
            claim = service.get_claim(session, actor=desk.approver, claim_id=claim_id)
            extra["waive_documents"] = [d.kind for d in service.documents_for(claim)]
            extra["reason"] = "Benchmark: the papers are checked outside ClaimDesk."
        service.transition(
            session,
            actor=getattr(desk, who),
            claim_id=claim_id,
            command=TransitionIn(action=action, **extra),
            now=_now(spec),
            settings=desk.settings,
        )
        return claim_id

    return act


ACTIONS: tuple[tuple[str, Action], ...] = (
    ("report", _report),
    ("start_review", _transition(ClaimAction.START_REVIEW, "assessor")),
    ("assess", _transition(ClaimAction.ASSESS, "assessor")),
    ("verify_coverage", _transition(ClaimAction.VERIFY_COVERAGE, "assessor")),
    ("approve", _transition(ClaimAction.APPROVE, "approver")),
    ("pay", _transition(ClaimAction.PAY, "payer")),
)


# ---------------------------------------------------------------- the adjudication loop


@dataclass
class RunStats:
    seconds: float = 0.0
    claim_ids: list[int] = field(default_factory=list)
    step_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    step_statements: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    execute_seconds: float = 0.0
    statements: int = 0
    # per batch: (claims, wall seconds, seconds by step)
    batches: list[tuple[int, float, dict[str, float]]] = field(default_factory=list)
    capped: bool = False


def _chunks(items: Sequence[ClaimSpec], size: int) -> Iterator[Sequence[ClaimSpec]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _adjudicate(
    container: Container,
    specs: Sequence[ClaimSpec],
    desk: Desk,
    *,
    mode: str,
    batch_size: int,
    seconds_cap: float | None,
    sql: SqlMeter,
) -> RunStats:
    stats = RunStats()
    sessions = container.sessions
    statements0, execute0 = sql.snapshot()
    started = perf_counter()

    def timed(step: str, batch_steps: dict[str, float], call: Callable[[], Any]) -> Any:
        before_statements = sql.statements
        t0 = perf_counter()
        result = call()
        elapsed = perf_counter() - t0
        stats.step_seconds[step] += elapsed
        stats.step_statements[step] += sql.statements - before_statements
        batch_steps[step] += elapsed
        return result

    for batch in _chunks(specs, batch_size):
        batch_started = perf_counter()
        batch_steps: dict[str, float] = defaultdict(float)
        batch_session = sessions() if mode == "batch" else None
        try:
            for spec in batch:
                claim_session = sessions() if mode == "claim" else batch_session
                try:
                    claim_id: int | None = None
                    for step, action in ACTIONS:
                        session = sessions() if mode == "action" else claim_session
                        assert session is not None
                        try:
                            claim_id = timed(
                                step,
                                batch_steps,
                                lambda a=action, s=session, c=claim_id, sp=spec: a(s, c, sp, desk),
                            )
                            if mode == "action":
                                timed("commit", batch_steps, session.commit)
                        finally:
                            if mode == "action":
                                session.close()
                    assert claim_id is not None
                    stats.claim_ids.append(claim_id)
                    if mode == "claim":
                        assert claim_session is not None
                        timed("commit", batch_steps, claim_session.commit)
                finally:
                    if mode == "claim" and claim_session is not None:
                        claim_session.close()
            if batch_session is not None:
                timed("commit", batch_steps, batch_session.commit)
        finally:
            if batch_session is not None:
                batch_session.close()
        stats.batches.append((len(batch), perf_counter() - batch_started, dict(batch_steps)))
        if seconds_cap is not None and perf_counter() - started > seconds_cap:
            stats.capped = len(stats.claim_ids) < len(specs)
            break
    stats.seconds = perf_counter() - started
    statements1, execute1 = sql.snapshot()
    stats.statements = statements1 - statements0
    stats.execute_seconds = execute1 - execute0
    return stats


def _check_paid(container: Container, claim_ids: Sequence[int]) -> None:
    """The run must have done the work it claims to have done."""
    with container.sessions() as session:
        paid = session.scalar(
            select(func.count())
            .select_from(Claim)
            .where(
                Claim.id.in_(claim_ids),
                Claim.status == ClaimStatus.PAID,
                Claim.paid_amount == Claim.approved_amount,
                Claim.paid_amount > 0,
            )
        )
    if paid != len(claim_ids):
        raise RuntimeError(f"only {paid} of {len(claim_ids)} adjudicated claims ended paid")


# ---------------------------------------------------------------- the raw insert baseline


# ---------------------------------------------------------------- profile


def _package(filename: str, function: str) -> str:
    if filename == "~":
        if "sqlite3" in function:
            return "sqlite3 driver (C)"
        return "builtins (C)"
    for needle, name in (
        ("/claimdesk/", "claimdesk"),
        ("/sqlalchemy/", "SQLAlchemy"),
        ("/psycopg", "psycopg driver"),
        ("/pydantic", "pydantic"),
        ("/bench/", "benchmark harness"),
    ):
        if needle in filename:
            return name
    return "standard library / other"


def _profile_report(profile: cProfile.Profile, top: int = 10) -> str:
    stats = pstats.Stats(profile)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(value[2] for value in raw.values()) or 1.0
    by_package: dict[str, float] = defaultdict(float)
    for (filename, _line, function), value in raw.items():
        by_package[_package(filename, function)] += value[2]
    lines = ["Own time by package:", ""]
    lines += ["| package | own time (s) | share |", "|---|---:|---:|"]
    for name, seconds in sorted(by_package.items(), key=lambda item: -item[1]):
        lines.append(f"| {name} | {seconds:.2f} | {100 * seconds / total:.0f} % |")

    def rows(keys: list[Any]) -> list[str]:
        out = ["| function | calls | own (s) | cumulative (s) |", "|---|---:|---:|---:|"]
        for key in keys[:top]:
            filename, line, function = key
            short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
            where = f"{short}:{line}" if filename != "~" else "built-in"
            value = raw[key]
            out.append(
                f"| `{function}` ({where}) | {value[1]:,} | {value[2]:.2f} | {value[3]:.2f} |"
            )
        return out

    by_own = sorted(raw, key=lambda key: -raw[key][2])
    ours = [key for key in raw if "/claimdesk/" in key[0]]
    by_cumulative = sorted(ours, key=lambda key: -raw[key][3])
    lines += ["", f"Top {top} by own time:", "", *rows(by_own)]
    lines += ["", f"Top {top} claimdesk functions by cumulative time:", "", *rows(by_cumulative)]
    return "\n".join(lines)


def _pstats_text(profile: cProfile.Profile, top: int = 10) -> str:
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("cumulative").print_stats(top)
    return buffer.getvalue()


# ---------------------------------------------------------------- the benchmark


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def run(target: Target, args: argparse.Namespace) -> Result:
    container = target.container
    engine = container.engine
    mode = args.commit
    say = print

    # setup, not timed
    desk = _desk(container)
    policies = _policies(container, args.policies)
    warm_policies = _policies(container, 1)
    specs = _specs(policies, args.claims, seed=20260615)
    warm_specs = _specs(warm_policies, args.warmup, seed=1)
    sql = SqlMeter(engine)
    try:
        # 1. adjudication
        say(f"  adjudication: warm-up ({len(warm_specs)} claims) ...")
        warm = _adjudicate(
            container,
            warm_specs,
            desk,
            mode=mode,
            batch_size=args.batch_size,
            seconds_cap=None,
            sql=sql,
        )
        _check_paid(container, warm.claim_ids)
        say(f"  adjudication: {len(specs)} claims, {COMMIT_MODES[mode]} ...")
        stats = _adjudicate(
            container,
            specs,
            desk,
            mode=mode,
            batch_size=args.batch_size,
            seconds_cap=args.seconds,
            sql=sql,
        )
        done = len(stats.claim_ids)
        _check_paid(container, stats.claim_ids)
        adjudication_rate = rate(done, stats.seconds)
        say(
            f"  adjudication: {done} claims in {stats.seconds:.2f} s = "
            f"{fmt_rate(adjudication_rate)} claims/s"
            + (" (stopped at the --seconds cap)" if stats.capped else "")
        )

        # 2./3. raw inserts of the same rows
        rows = read_rows(engine, stats.claim_ids)
        warm_rows = read_rows(engine, warm.claim_ids)
        raw_insert(engine, warm_rows, tag="WARM-A", everything=False)
        raw_insert(engine, warm_rows, tag="WARM-B", everything=True)
        say("  raw insert A: claims + loss lines ...")
        raw_a = raw_insert(engine, rows, tag="RAW-A", everything=False)
        say("  raw insert B: claims + loss lines + events + payments ...")
        raw_b = raw_insert(engine, rows, tag="RAW-B", everything=True)
        raw_a_rate, raw_b_rate = rate(done, raw_a), rate(done, raw_b)
        ratio = adjudication_rate / raw_a_rate
        say(f"  raw insert A: {fmt_rate(raw_a_rate)} claims/s ({raw_a:.3f} s)")
        say(f"  raw insert B: {fmt_rate(raw_b_rate)} claims/s ({raw_b:.3f} s)")
        say(f"  ratio adjudication / raw insert A = {ratio:.4f} (1 : {1 / ratio:,.0f})")

        # optional: where the time goes, in a separate pass on fresh policies
        profile_md = ""
        if args.profile:
            profile_policies = _policies(container, args.policies)
            profile_specs = _specs(profile_policies, done, seed=20260615)
            say(f"  profile: adjudicating {done} more claims under cProfile ...")
            profile = cProfile.Profile()
            profile.enable()
            profiled = _adjudicate(
                container,
                profile_specs,
                desk,
                mode=mode,
                batch_size=args.batch_size,
                seconds_cap=args.seconds,
                sql=sql,
            )
            profile.disable()
            say(_pstats_text(profile))
            profile_md = (
                f"\ncProfile of a separate pass ({len(profiled.claim_ids)} claims on "
                f"{args.policies} fresh policies, {profiled.seconds:.1f} s under the "
                "profiler, so slower than the figures above):\n\n" + _profile_report(profile)
            )
    finally:
        sql.close()

    counts = {
        "loss lines": len(rows.loss_lines),
        "events": len(rows.events),
        "payments": len(rows.payments),
    }
    summary = {
        "database": target.label,
        "claims": f"{done}" + (" (capped)" if stats.capped else ""),
        "adjudication claims/s": fmt_rate(adjudication_rate),
        "raw insert claims/s": fmt_rate(raw_a_rate),
        "ratio": f"{ratio:.4f} (1 : {1 / ratio:,.0f})",
    }
    markdown = _markdown(
        target, args, stats, done, raw_a, raw_b, ratio, counts, len(policies), profile_md
    )
    return Result(summary, markdown)


def _markdown(
    target: Target,
    args: argparse.Namespace,
    stats: RunStats,
    done: int,
    raw_a: float,
    raw_b: float,
    ratio: float,
    counts: dict[str, int],
    policy_count: int,
    profile_md: str,
) -> str:
    adjudication_rate = rate(done, stats.seconds)
    per_claim = {key: value / done for key, value in counts.items()}
    lines = [
        f"#### {target.label}",
        "",
        f"`{target.url}` — {done} claims on {policy_count} policies "
        f"(~{done // policy_count} a policy), batches of {args.batch_size}, "
        f"{COMMIT_MODES[args.commit]}"
        + (f"; stopped at the {args.seconds:g} s cap" if stats.capped else "")
        + ".",
        "",
        "| measurement | claims | seconds | claims/s |",
        "|---|---:|---:|---:|",
        f"| raw insert A: claim + loss line rows (Core executemany, one transaction) "
        f"| {done} | {raw_a:.3f} | {fmt_rate(rate(done, raw_a))} |",
        f"| raw insert B: every row adjudication leaves (claims, loss lines, events, payments) "
        f"| {done} | {raw_b:.3f} | {fmt_rate(rate(done, raw_b))} |",
        f"| **adjudication through the service layer** | {done} | {stats.seconds:.2f} "
        f"| **{fmt_rate(adjudication_rate)}** |",
        "",
        f"**Ratio adjudication / raw insert A: {ratio:.4f}** (raw insert is "
        f"{1 / ratio:,.0f}× faster; against raw insert B: "
        f"{adjudication_rate / rate(done, raw_b):.4f}). Rows a claim: 1 claim, "
        f"{per_claim['loss lines']:g} loss lines, {per_claim['events']:g} events, "
        f"{per_claim['payments']:g} payment.",
        "",
    ]
    first_n, first_s, first_steps = stats.batches[0]
    last_n, last_s, last_steps = stats.batches[-1]
    lines += [
        "Where the time goes in the measured run (wall time by service call, perf_counter "
        "around each; SQL statements counted with an engine event):",
        "",
        "| step | ms / claim | share | SQL statements / claim "
        "| ms / claim, first batch | ms / claim, last batch |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    accounted = 0.0
    for step in STEPS:
        seconds = stats.step_seconds.get(step, 0.0)
        accounted += seconds
        lines.append(
            f"| {step} | {1000 * seconds / done:.2f} | {100 * seconds / stats.seconds:.0f} % "
            f"| {stats.step_statements.get(step, 0) / done:.1f} "
            f"| {1000 * first_steps.get(step, 0.0) / first_n:.2f} "
            f"| {1000 * last_steps.get(step, 0.0) / last_n:.2f} |"
        )
    other = stats.seconds - accounted
    lines += [
        f"| other (sessions, loop) | {1000 * other / done:.2f} "
        f"| {100 * other / stats.seconds:.0f} % | | | |",
        f"| **total** | **{1000 * stats.seconds / done:.2f}** | 100 % "
        f"| {stats.statements / done:.1f} | {1000 * first_s / first_n:.2f} "
        f"| {1000 * last_s / last_n:.2f} |",
        "",
    ]
    batch_rates = [n / s for n, s, _ in stats.batches]
    lines += [
        f"Time inside the DBAPI `execute` calls: {stats.execute_seconds:.2f} s "
        f"({100 * stats.execute_seconds / stats.seconds:.0f} % of the run); the rest is "
        "Python (service code, SQLAlchemy ORM, pydantic) and commits. Throughput by batch: "
        f"first {fmt_rate(batch_rates[0])}, median {fmt_rate(statistics.median(batch_rates))}, "
        f"last {fmt_rate(batch_rates[-1])} claims/s.",
    ]
    if profile_md:
        lines += [profile_md]
    return "\n".join(lines) + "\n"
