"""The internal-audit report: the guide's "four checks" (四查, §4.4) for a period.

1. Rules in force (查制度): the configured products and terms, approval authority,
   four-eyes, statutory limit, document checklists, qualification gates, training
   requirement, fraud rules and service-level targets.
2. Process followed (查流程): every lifecycle step taken in the period replayed against the
   transition table; four-eyes and certificates on each decision; decisions within the
   statutory limit; SLA clocks; staff training hours.
3. Execution (查执行): a random, reproducible sample of the claims decided in the period,
   each checked on its own: documents before approval, payout equal to its calculation,
   approver within authority, four-eyes, certificates, statutory limit, payments.
4. Effect (查效果): the KPIs of the period from the analytics service, against the guide's
   targets where it sets one.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib import resources
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimdesk.analytics import service as analytics
from claimdesk.audit import access_log
from claimdesk.claims import rules as claim_rules
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.machine import MACHINE
from claimdesk.claims.models import Claim, ClaimEvent
from claimdesk.compliance import rules, service
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.errors import ClaimDeskError, ValidationFailed
from claimdesk.core.messages import MESSAGE
from claimdesk.documents.checklists import required_documents
from claimdesk.documents.models import Document
from claimdesk.fraud.rules import config as fraud_config
from claimdesk.policies.models import Policy, Product
from claimdesk.security.enums import Role
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support import clocks
from claimdesk.support.sla import load_config as sla_config

MAX_PERIOD_DAYS = 3660
DECISIONS = (ClaimAction.APPROVE, ClaimAction.DENY)
_ACTIONS = frozenset(action.value for action in ClaimAction)
GUIDE_CYCLE_DAYS = 15  # §1.1: average processing cycle within 15 working days
GUIDE_INCOMPLETE_RATE = 0.15  # §2.1.3: about 15 % of claims are returned for documents


@dataclass(frozen=True)
class Finding:
    claim: str
    en: str
    zh: str


@dataclass(frozen=True)
class Check:
    en: str
    zh: str
    status: str  # pass, fail, n/a
    note: str = ""


# ---------------------------------------------------------------- 1. rules in force


@dataclass
class RulesSection:
    products: list[dict[str, object]]
    authority: list[tuple[str, str]]
    statutory_days: int
    statutory_warning_days: int
    checklists: list[tuple[str, str, list[str]]]
    gates: list[tuple[str, str, list[str]]]
    training_hours: Decimal
    fraud_version: str
    fraud_rules: list[tuple[str, float, str, str, str]]
    sla_targets: list[tuple[str, str, str, str]]


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"


def rules_in_force(session: Session, settings: Settings) -> RulesSection:
    products = list(
        session.scalars(
            select(Product).options(selectinload(Product.coverages)).order_by(Product.code)
        )
    )
    qualification = rules.qualification_rules()
    sla = sla_config()
    return RulesSection(
        products=[
            {
                "code": p.code,
                "name": f"{p.name_zh} / {p.name_en}",
                "line": p.line,
                "exclusions": ", ".join(p.exclusions),
                "coverages": [
                    {
                        "code": c.code,
                        "name": f"{c.name_zh} / {c.name_en}",
                        "deductible": f"{c.deductible:,.2f} ({c.deductible_basis})",
                        "copay": f"{c.copay_ratio * 100:.0f}%",
                        "per_item_limit": f"{c.per_item_limit:,.2f}" if c.per_item_limit else "—",
                        "annual_limit": f"{c.annual_limit:,.2f}" if c.annual_limit else "—",
                        "waiting_days": c.waiting_period_days,
                        "exclusions": ", ".join(c.exclusions),
                    }
                    for c in p.coverages
                ],
            }
            for p in products
        ],
        authority=[
            (role, "unlimited / 不限" if limit is None else f"{limit:,.2f}")
            for role, limit in settings.authority_limits.items()
        ],
        statutory_days=settings.statutory_decision_days,
        statutory_warning_days=settings.statutory_warning_days,
        checklists=[
            (
                p.code,
                c.code,
                [f"{d.name_zh} / {d.name_en}" for d in required_documents(p.line, c.code)],
            )
            for p in products
            for c in p.coverages
        ],
        gates=[
            (
                action,
                scope,
                [f"{qualification.name(k).zh} / {qualification.name(k).en}" for k in kinds],
            )
            for action, scopes in qualification.gates.items()
            for scope, kinds in scopes.items()
        ],
        training_hours=settings.training_hours_per_year,
        fraud_version=fraud_config().version,
        fraud_rules=[
            (
                rule.code,
                rule.weight,
                ", ".join(f"{name}={value}" for name, value in rule.params.items()),
                rule.en,
                rule.zh,
            )
            for rule in fraud_config().rules.values()
        ],
        sla_targets=[
            (
                f"{sla.kinds[t.kind].name_zh} / {sla.kinds[t.kind].name_en}"
                if t.kind in sla.kinds
                else t.kind,
                str(t.metric),
                _duration(t.seconds),
                t.calendar
                + (
                    " ("
                    + "; ".join(f"{k}={','.join(sorted(v))}" for k, v in t.filters.items())
                    + ")"
                    if t.filters
                    else ""
                ),
            )
            for t in sla.targets
        ],
    )


# ---------------------------------------------------------------- shared facts


@dataclass
class _Facts:
    """What the process and execution checks read, loaded once."""

    settings: Settings
    certificates: dict[int, list[rules.Certificate]]
    usernames: dict[int, str]

    def qualification_gaps(self, event: ClaimEvent, line: str) -> list[rules.Shortfall]:
        if event.actor_id is None:
            return []
        required = rules.qualification_rules().required(event.kind, line)
        day = local_date(event.at, self.settings.display_timezone)
        return rules.shortfalls(self.certificates.get(event.actor_id, []), required, day)

    def who(self, user_id: int | None) -> str:
        return "SYSTEM" if user_id is None else self.usernames.get(user_id, f"user {user_id}")


def _last_assessor(claim: Claim, before: ClaimEvent) -> int | None:
    assessments = [e for e in claim.events if e.kind == ClaimAction.ASSESS and e.id < before.id]
    return assessments[-1].actor_id if assessments else None


def _gap_text(gaps: list[rules.Shortfall]) -> tuple[str, str]:
    names = rules.qualification_rules()
    en = "; ".join(f"{names.name(g.kind).en} {g.problem.replace('_', ' ')}" for g in gaps)
    zh = "；".join(f"{names.name(g.kind).zh}（{g.problem}）" for g in gaps)
    return en, zh


# ---------------------------------------------------------------- 2. process followed


@dataclass
class ProcessSection:
    claims: int = 0
    steps_checked: int = 0
    step_findings: list[Finding] = field(default_factory=list)
    approvals: int = 0
    four_eyes_findings: list[Finding] = field(default_factory=list)
    gated_steps: int = 0
    qualification_findings: list[Finding] = field(default_factory=list)
    decisions: int = 0
    statutory_met: int = 0
    statutory_late: list[Finding] = field(default_factory=list)
    overdue_open: list[Finding] = field(default_factory=list)
    sla_rows: list[dict[str, object]] = field(default_factory=list)
    training_short: list[dict[str, object]] = field(default_factory=list)
    training_people: int = 0

    @property
    def findings(self) -> int:
        return (
            len(self.step_findings)
            + len(self.four_eyes_findings)
            + len(self.qualification_findings)
            + len(self.statutory_late)
            + len(self.overdue_open)
            + len(self.training_short)
        )


def _statutory(claim: Claim, settings: Settings, now: datetime) -> claim_rules.StatutoryClock:
    return claim_rules.statutory_clock(
        completed_at=claim.completed_at,
        decided_at=claim.decided_at,
        now=now,
        decision_days=settings.statutory_decision_days,
        warning_days=settings.statutory_warning_days,
    )


def process_followed(
    session: Session,
    claims: list[Claim],
    facts: _Facts,
    *,
    start: datetime,
    end: datetime,
    year: int,
    actor: Actor,
    now: datetime,
) -> ProcessSection:
    section = ProcessSection(claims=len(claims))
    for claim in claims:
        line = claim.policy.product.line
        for event in claim.events:
            if not (start <= event.at < end) or event.kind not in _ACTIONS:
                continue
            action = ClaimAction(event.kind)
            assert event.from_status is not None  # every transition records where it started
            section.steps_checked += 1
            try:
                MACHINE.check_transition(
                    ClaimStatus(event.from_status),
                    action,
                    Role(event.actor_role),
                    event.reason,
                    explained=bool((event.data or {}).get(MESSAGE)),  # the system's reason
                )
            except ClaimDeskError as exc:
                section.step_findings.append(
                    Finding(
                        claim.number or "",
                        f"{action} by {facts.who(event.actor_id)}: {exc.message}",
                        f"{action} 不符合流程表：{exc.message}",
                    )
                )
            if rules.qualification_rules().required(action, line) and event.actor_id:
                section.gated_steps += 1
                gaps = facts.qualification_gaps(event, line)
                if gaps:
                    en, zh = _gap_text(gaps)
                    section.qualification_findings.append(
                        Finding(
                            claim.number or "",
                            f"{action} by {facts.who(event.actor_id)} on "
                            f"{local_date(event.at, facts.settings.display_timezone)} without a "
                            f"valid certificate: {en}",
                            f"{facts.who(event.actor_id)} 在无有效资格证的情况下执行{action}：{zh}",
                        )
                    )
            if action == ClaimAction.APPROVE:
                section.approvals += 1
                assessor = _last_assessor(claim, event)
                if event.actor_id is not None and event.actor_id == assessor:
                    section.four_eyes_findings.append(
                        Finding(
                            claim.number or "",
                            f"{facts.who(event.actor_id)} assessed and approved the claim.",
                            f"{facts.who(event.actor_id)} 既定损又核赔批准（违反双人复核）。",
                        )
                    )
        if claim.decided_at is not None and start <= claim.decided_at < end:
            section.decisions += 1
            clock = _statutory(claim, facts.settings, now)
            if clock.state == "late":
                section.statutory_late.append(
                    Finding(
                        claim.number or "",
                        f"Decided on {claim.decided_at:%Y-%m-%d}, after the due date "
                        f"{clock.due_at:%Y-%m-%d}.",
                        f"超过法定时限作出核定（应于 {clock.due_at:%Y-%m-%d} 前）。",
                    )
                )
            elif clock.state == "met":
                section.statutory_met += 1
        elif claim.decided_at is None and _statutory(claim, facts.settings, now).state == "overdue":
            section.overdue_open.append(
                Finding(
                    claim.number or "",
                    f"Complete since {claim.completed_at:%Y-%m-%d} and still undecided "
                    f"({claim.status}).",
                    f"材料齐全后已超过法定时限仍未核定（{claim.status}）。",
                )
            )
    section.sla_rows = [row.model_dump() for row in clocks.compliance(session, now=now)]
    standings = service.training_standings(
        session, actor=actor, year=year, required=facts.settings.training_hours_per_year
    )
    section.training_people = len(standings)
    section.training_short = [s.model_dump() for s in standings if not s.met]
    return section


# ---------------------------------------------------------------- 3. execution sampled


@dataclass
class SampledClaim:
    claim_id: int
    number: str
    product: str
    status: str
    claimed: Decimal
    approved: Decimal
    paid: Decimal
    checks: list[Check]

    @property
    def failed(self) -> int:
        return sum(1 for check in self.checks if check.status == "fail")


@dataclass
class ExecutionSection:
    seed: int
    population: int
    sampled: list[SampledClaim]

    @property
    def findings(self) -> int:
        return sum(claim.failed for claim in self.sampled)


def _documents_before(session: Session, claim: Claim, moment: datetime) -> Check:
    required = [d.kind for d in required_documents(claim.policy.product.line, claim.claim_type)]
    present = {
        d.declared_kind or d.detected_kind
        for d in session.scalars(
            select(Document).where(Document.claim_id == claim.id, Document.uploaded_at <= moment)
        )
        if d.status == "read"
    }
    missing = [kind for kind in required if kind not in present]
    return Check(
        "Required documents on file before approval",
        "批准前所需材料齐全",
        "fail" if missing else "pass",
        f"missing / 缺少: {', '.join(missing)}" if missing else f"{len(required)} kinds",
    )


def _payout_matches(claim: Claim) -> Check:
    recorded = claim.approved_payout or {}
    calculated = Decimal(recorded.get("total_payable", "0"))
    coverages = sum((Decimal(c["payable"]) for c in recorded.get("coverages", [])), Decimal("0"))
    problems = []
    if claim.approved_amount != max(calculated, claim.paid_amount):
        problems.append(f"approved {claim.approved_amount} ≠ calculated {calculated}")
    if coverages != calculated:
        problems.append(f"coverage payables {coverages} ≠ total {calculated}")
    return Check(
        "Approved amount equals the payout calculation",
        "批准金额与赔款计算一致",
        "fail" if problems else "pass",
        "; ".join(problems) or f"{calculated:,.2f}",
    )


def _payments_match(claim: Claim) -> Check:
    paid = sum((p.amount for p in claim.payments), Decimal("0"))
    ok = paid == claim.paid_amount and claim.paid_amount <= claim.approved_amount
    return Check(
        "Payments add up and stay within the approval",
        "支付记录相符且不超过批准金额",
        "pass" if ok else "fail",
        f"paid {paid:,.2f} of {claim.approved_amount:,.2f}",
    )


def _authority(event: ClaimEvent, settings: Settings) -> Check:
    amount = Decimal(event.data.get("approved_amount", "0"))
    try:
        claim_rules.check_authority(Role(event.actor_role), amount, settings.authority_limits)
    except ClaimDeskError as exc:
        return Check("Approver within authority", "核赔人在授权范围内", "fail", exc.message)
    return Check(
        "Approver within authority",
        "核赔人在授权范围内",
        "pass",
        f"{event.actor_role}: {amount:,.2f}",
    )


def _execution_checks(session: Session, claim: Claim, facts: _Facts, now: datetime) -> list[Check]:
    line = claim.policy.product.line
    approvals = [e for e in claim.events if e.kind == ClaimAction.APPROVE]
    decisions = [e for e in claim.events if e.kind in DECISIONS]
    checks: list[Check] = []
    if approvals:
        last = approvals[-1]
        checks.append(_documents_before(session, claim, last.at))
        checks.append(_payout_matches(claim))
        checks.append(_authority(last, facts.settings))
        assessor = _last_assessor(claim, last)
        same = last.actor_id is not None and last.actor_id == assessor
        checks.append(
            Check(
                "Four-eyes: approver is not the assessor",
                "双人复核：核赔人不是定损人",
                "fail" if same else "pass",
                f"assessor {facts.who(assessor)}, approver {facts.who(last.actor_id)}",
            )
        )
    else:
        na = "no approval / 未批准"
        checks.append(
            Check("Required documents on file before approval", "批准前所需材料齐全", "n/a", na)
        )
        checks.append(
            Check(
                "Approved amount equals the payout calculation", "批准金额与赔款计算一致", "n/a", na
            )
        )
    gated = [e for e in claim.events if rules.qualification_rules().required(e.kind, line)]
    gaps = [(e, facts.qualification_gaps(e, line)) for e in gated]
    unqualified = [(e, g) for e, g in gaps if g]
    checks.append(
        Check(
            "Assessor and decision-maker held valid certificates",
            "定损人与核赔人持有有效资格证",
            "fail" if unqualified else "pass",
            "; ".join(
                f"{e.kind} by {facts.who(e.actor_id)}: {_gap_text(g)[0]}" for e, g in unqualified
            )
            or ", ".join(f"{e.kind}: {facts.who(e.actor_id)}" for e in gated),
        )
    )
    clock = _statutory(claim, facts.settings, now)
    checks.append(
        Check(
            f"Decision within {facts.settings.statutory_decision_days} days of a complete claim",
            f"材料齐全后 {facts.settings.statutory_decision_days} 日内核定",
            {"late": "fail", "met": "pass"}.get(clock.state, "n/a"),
            clock.state,
        )
    )
    if claim.payments:
        checks.append(_payments_match(claim))
    if decisions and decisions[-1].kind == ClaimAction.DENY:
        denial = decisions[-1]
        has_reason = bool((denial.reason or "").strip() or (denial.data or {}).get(MESSAGE))
        checks.append(
            Check("Denial states its reasons", "拒赔说明理由", "pass" if has_reason else "fail")
        )
    return checks


def default_seed(start: date, end: date) -> int:
    """The same period always draws the same sample unless a seed is given."""
    return int(hashlib.sha256(f"{start}/{end}".encode()).hexdigest()[:8], 16)


def execution_sampled(
    session: Session,
    claims: list[Claim],
    facts: _Facts,
    *,
    start: datetime,
    end: datetime,
    sample_size: int,
    seed: int,
    now: datetime,
) -> ExecutionSection:
    decided = sorted(
        (
            claim
            for claim in claims
            if any(e.kind in DECISIONS and start <= e.at < end for e in claim.events)
        ),
        key=lambda claim: claim.id,
    )
    picked = random.Random(seed).sample(decided, min(sample_size, len(decided)))
    sampled = [
        SampledClaim(
            claim_id=claim.id,
            number=claim.number or "",
            product=claim.policy.product.code,
            status=claim.status,
            claimed=claim.claimed_amount,
            approved=claim.approved_amount,
            paid=claim.paid_amount,
            checks=_execution_checks(session, claim, facts, now),
        )
        for claim in sorted(picked, key=lambda claim: claim.id)
    ]
    return ExecutionSection(seed=seed, population=len(decided), sampled=sampled)


# ---------------------------------------------------------------- 4. effect


@dataclass(frozen=True)
class KpiLine:
    en: str
    zh: str
    value: str
    target: str
    status: str  # pass, fail, n/a


@dataclass
class EffectSection:
    source: str
    lines: list[KpiLine]

    @property
    def findings(self) -> int:
        return sum(1 for line in self.lines if line.status == "fail")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.1f}{unit}"


def _against(value: float | None, limit: float, *, at_most: bool = True) -> str:
    if value is None:
        return "n/a"
    return "pass" if (value <= limit if at_most else value >= limit) else "fail"


def effect_measured(
    session: Session,
    *,
    start: date,
    end: date,
    process: ProcessSection,
    settings: Settings,
    now: datetime,
    actor: Actor,
) -> EffectSection:
    report = analytics.kpis(
        session,
        actor=actor,
        period_from=start,
        period_to=end,
        now=now,
        timezone=settings.display_timezone,
    )
    k = report.totals
    timely = (
        process.statutory_met / (process.statutory_met + len(process.statutory_late))
        if process.statutory_met + len(process.statutory_late)
        else None
    )
    lines = [
        KpiLine("Claims reported", "报案量", str(k.claims_reported), "—", "n/a"),
        KpiLine("Claims closed", "已结案", str(k.claims_closed), "—", "n/a"),
        KpiLine(
            "Mean cycle time (working days)",
            "平均理赔周期（工作日）",
            _num(k.cycle_time_mean_days),
            f"≤ {GUIDE_CYCLE_DAYS}",
            _against(k.cycle_time_mean_days, GUIDE_CYCLE_DAYS),
        ),
        KpiLine(
            "Decisions within the statutory limit",
            "法定时限内核定率",
            _pct(timely),
            "100%",
            _against(timely, 1.0, at_most=False),
        ),
        KpiLine(
            "Documents-incomplete rate",
            "材料不全退回率",
            _pct(k.documents_incomplete_rate),
            f"≤ {GUIDE_INCOMPLETE_RATE:.0%}",
            _against(k.documents_incomplete_rate, GUIDE_INCOMPLETE_RATE),
        ),
        KpiLine("Straight-through rate", "自动理赔率", _pct(k.straight_through_rate), "—", "n/a"),
        KpiLine("SLA compliance", "服务时效达标率", _pct(k.sla_compliance), "—", "n/a"),
        KpiLine(
            "Complaints per 1,000 claims",
            "每千件理赔投诉量",
            _num(k.complaint_rate_per_1000_claims),
            "—",
            "n/a",
        ),
        KpiLine("CSAT mean (1-5)", "客户满意度均值（1-5）", _num(k.csat_mean), "—", "n/a"),
        KpiLine(
            "Fraud referral hit rate",
            "反欺诈移送命中率",
            _pct(k.fraud_referral_hit_rate),
            "—",
            "n/a",
        ),
        KpiLine("Paid on these claims", "已支付赔款", f"{k.paid_amount:,.2f}", "—", "n/a"),
    ]
    return EffectSection(source=f"analytics KPI service ({report.source})", lines=lines)


# ---------------------------------------------------------------- 5. access to personal data


@dataclass(frozen=True)
class UnusualAccessLine:
    user_id: int | None
    username: str
    records: int
    peer_median: float


@dataclass
class AccessSection:
    """Staff who read far more sensitive records in clear than their peers (PIPL art. 51)."""

    factor: float
    minimum: int
    unusual: list[UnusualAccessLine]

    @property
    def findings(self) -> int:
        return len(self.unusual)


def access_reviewed(session: Session, *, start: datetime, end: datetime) -> AccessSection:
    found = access_log.unusual_access(session, start=start, end=end)
    return AccessSection(
        factor=access_log.UNUSUAL_FACTOR,
        minimum=access_log.UNUSUAL_MINIMUM,
        unusual=[
            UnusualAccessLine(r.user_id, name or f"user {r.user_id}", r.records, r.peer_median)
            for r, name in found
        ],
    )


# ---------------------------------------------------------------- the report


@dataclass
class AuditReport:
    start: date
    end: date
    generated_at: datetime
    rules: RulesSection
    process: ProcessSection
    execution: ExecutionSection
    effect: EffectSection
    access: AccessSection

    @property
    def findings(self) -> int:
        return (
            self.process.findings
            + self.execution.findings
            + self.effect.findings
            + self.access.findings
        )


def _bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    first = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return first, after


def build_report(
    session: Session,
    *,
    actor: Actor,
    start: date,
    end: date,
    sample_size: int,
    seed: int | None,
    settings: Settings,
    now: datetime,
) -> AuditReport:
    """Collect the four checks for the local days ``start`` to ``end`` (both included)."""
    require(actor, "compliance.report")
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            f"The period {start} to {end} is empty or longer than {MAX_PERIOD_DAYS} days; "
            "give --from on or before --to."
        )
    if not 0 <= sample_size <= 500:
        raise ValidationFailed("The sample size must be between 0 and 500 claims.")
    first, after = _bounds(start, end, settings.display_timezone)
    touched = select(ClaimEvent.claim_id).where(ClaimEvent.at >= first, ClaimEvent.at < after)
    claims = list(
        session.scalars(
            select(Claim)
            .where(Claim.id.in_(touched))
            .options(
                selectinload(Claim.events),
                selectinload(Claim.payments),
                selectinload(Claim.policy).selectinload(Policy.product),
            )
            .order_by(Claim.id)
        )
    )
    people = {e.actor_id for c in claims for e in c.events if e.actor_id is not None}
    facts = _Facts(
        settings,
        {uid: service.certificates(session, uid) for uid in people},
        service.usernames(session, people),
    )
    process = process_followed(
        session, claims, facts, start=first, end=after, year=end.year, actor=actor, now=now
    )
    execution = execution_sampled(
        session,
        claims,
        facts,
        start=first,
        end=after,
        sample_size=sample_size,
        seed=default_seed(start, end) if seed is None else seed,
        now=now,
    )
    return AuditReport(
        start=start,
        end=end,
        generated_at=now,
        rules=rules_in_force(session, settings),
        process=process,
        execution=execution,
        effect=effect_measured(
            session, start=start, end=end, process=process, settings=settings, now=now, actor=actor
        ),
        access=access_reviewed(session, start=first, end=after),
    )


_templates = Environment(
    loader=FileSystemLoader(str(resources.files("claimdesk.compliance").joinpath("templates"))),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(report: AuditReport) -> str:
    return _templates.get_template("audit_report.html").render(report=report)
