"""Named, configurable red flags (``rules.toml``), the risk score, grades and routing. Pure."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from claimdesk.fraud.enums import Grade, Route


@dataclass(frozen=True)
class SharedDocument:
    """A document of this claim whose hash or invoice number is also on another claim."""

    kind: str  # "invoice number" or "file (sha256)"
    value: str
    other_claim: str
    other_customer: int


@dataclass(frozen=True)
class SharedLossLine:
    description: str
    amount: Decimal
    other_claim: str
    other_customer: int


@dataclass(frozen=True)
class DocumentConflict:
    message_en: str
    message_zh: str


@dataclass(frozen=True)
class ClaimFacts:
    """What the rules look at, gathered by the service from the claim and its neighbours."""

    claim_type: str
    claimed_amount: Decimal
    currency: str
    incident_date: date
    reported_on: date
    policy_start: date
    remaining_sum_insured: Decimal
    other_claims_reported_on: tuple[date, ...] = ()
    payee_account_added_on: date | None = None
    customer_since: date | None = None
    shared_documents: tuple[SharedDocument, ...] = ()
    shared_loss_lines: tuple[SharedLossLine, ...] = ()
    document_conflicts: tuple[DocumentConflict, ...] = ()


@dataclass(frozen=True)
class Factor:
    code: str
    weight: float
    reason_en: str
    reason_zh: str
    source: str = "rule"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "source": self.source,
            "weight": self.weight,
            "reason_en": self.reason_en,
            "reason_zh": self.reason_zh,
        }


@dataclass(frozen=True)
class RuleConfig:
    code: str
    weight: float
    en: str
    zh: str
    params: dict[str, Any] = field(default_factory=dict)

    def factor(self, **values: Any) -> Factor:
        values = {**self.params, **values}
        return Factor(self.code, self.weight, self.en.format(**values), self.zh.format(**values))


@dataclass(frozen=True)
class Config:
    version: str
    rules: dict[str, RuleConfig]
    grade_floors: dict[Grade, int]
    simple_claim_types: frozenset[str]


def parse_config(data: dict[str, Any]) -> Config:
    rules = {}
    for code, entry in data["rules"].items():
        if code not in RULES:
            raise ValueError(f"rules.toml names an unknown rule '{code}'.")
        params = {k: v for k, v in entry.items() if k not in ("weight", "en", "zh")}
        weight = float(entry["weight"])
        if not 0 <= weight < 1:
            raise ValueError(f"The weight of rule '{code}' must be at least 0 and below 1.")
        rules[code] = RuleConfig(code, weight, entry["en"], entry["zh"], params)
    floors = {Grade(name): int(score) for name, score in data["grades"].items()}
    return Config(
        version=str(data["version"]),
        rules=rules,
        grade_floors=floors,
        simple_claim_types=frozenset(data["routing"]["simple_claim_types"]),
    )


@cache
def config() -> Config:
    text = resources.files("claimdesk.fraud").joinpath("rules.toml").read_text("utf-8")
    return parse_config(tomllib.loads(text))


# ---------------------------------------------------------------- the rules


def _money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount:,.2f}"


def early_claim(facts: ClaimFacts, rule: RuleConfig) -> list[Factor]:
    days = (facts.incident_date - facts.policy_start).days
    if 0 <= days <= rule.params["days"]:
        return [rule.factor(days_after_start=days)]
    return []


def near_sum_insured(facts: ClaimFacts, rule: RuleConfig) -> list[Factor]:
    remaining = facts.remaining_sum_insured
    share = facts.claimed_amount / remaining if remaining > 0 else Decimal("1")
    if share >= Decimal(str(rule.params["share"])):
        return [
            rule.factor(
                claimed=_money(facts.claimed_amount, facts.currency),
                remaining=_money(remaining, facts.currency),
                share_pct=f"{share * 100:.0f}",
            )
        ]
    return []


def frequent_claims(facts: ClaimFacts, rule: RuleConfig) -> list[Factor]:
    days = rule.params["days"]
    recent = [
        d for d in facts.other_claims_reported_on if 0 <= (facts.reported_on - d).days <= days
    ]
    if len(recent) >= rule.params["count"]:
        return [rule.factor(count=len(recent))]
    return []


def duplicate_document(facts: ClaimFacts, rule: RuleConfig) -> list[Factor]:
    return [
        rule.factor(
            kind=d.kind, value=d.value, other_claim=d.other_claim, other_customer=d.other_customer
        )
        for d in facts.shared_documents
    ][:1]


def duplicate_loss_line(facts: ClaimFacts, rule: RuleConfig) -> list[Factor]:
    return [
        rule.factor(
            description=line.description,
            amount=_money(line.amount, facts.currency),
            incident_date=facts.incident_date,
            other_claim=line.other_claim,
            other_customer=line.other_customer,
        )
        for line in facts.shared_loss_lines
    ][:1]


def incident_before_cover(facts: ClaimFacts, rule: RuleConfig) -> list[Factor]:
    if facts.incident_date < facts.policy_start:
        return [rule.factor(incident_date=facts.incident_date, start=facts.policy_start)]
    return []


def late_reporting(facts: ClaimFacts, rule: RuleConfig) -> list[Factor]:
    delay = (facts.reported_on - facts.incident_date).days
    if delay > rule.params["days"]:
        return [rule.factor(delay=delay)]
    return []


def bank_account_changed(facts: ClaimFacts, rule: RuleConfig) -> list[Factor]:
    added, since = facts.payee_account_added_on, facts.customer_since
    if added is None or since is None or added <= since:
        return []  # the account the customer came with is not a change
    days_before = (facts.reported_on - added).days
    if 0 <= days_before <= rule.params["days"]:
        return [rule.factor(days_before=days_before)]
    return []


def document_mismatch(facts: ClaimFacts, rule: RuleConfig) -> list[Factor]:
    if not facts.document_conflicts:
        return []
    return [
        rule.factor(
            detail=" ".join(c.message_en for c in facts.document_conflicts),
            detail_zh="".join(c.message_zh for c in facts.document_conflicts),
        )
    ]


RULES: dict[str, Callable[[ClaimFacts, RuleConfig], list[Factor]]] = {
    f.__name__: f
    for f in (
        early_claim,
        near_sum_insured,
        frequent_claims,
        duplicate_document,
        duplicate_loss_line,
        incident_before_cover,
        late_reporting,
        bank_account_changed,
        document_mismatch,
    )
}


# ---------------------------------------------------------------- score, grade, route


@dataclass(frozen=True)
class Assessment:
    score: int
    grade: Grade
    factors: tuple[Factor, ...]


def assess(facts: ClaimFacts, cfg: Config | None = None) -> Assessment:
    cfg = cfg or config()
    factors = [f for code, rule in cfg.rules.items() for f in RULES[code](facts, rule)]
    factors.sort(key=lambda f: -f.weight)
    remaining = 1.0
    for factor in factors:
        remaining *= 1 - factor.weight
    score = round(100 * (1 - remaining))
    return Assessment(score, grade_of(score, cfg), tuple(factors))


def combine(probability: float, unlearned: list[Factor]) -> int:
    """The one 0-100 score of a claim scored by the rules and a learned model. The model
    has learned the rules that fired often enough in the product's history (they are its
    features, weighted by what they predicted); every other rule that fired keeps its
    expert weight as one more independent risk beside the model's calibrated probability,
    the way the rules combine among themselves: ``1 - (1 - p) Π (1 - weight)``."""
    remaining = 1 - min(max(probability, 0.0), 1.0)
    for factor in unlearned:
        remaining *= 1 - factor.weight
    return round(100 * (1 - remaining))


def grade_of(score: int, cfg: Config) -> Grade:
    grade = Grade.LOW
    for candidate in (Grade.MEDIUM, Grade.HIGH, Grade.CRITICAL):
        if score >= cfg.grade_floors[candidate]:
            grade = candidate
    return grade


@dataclass(frozen=True)
class RoutingDecision:
    route: Route
    reasons_en: tuple[str, ...]
    reasons_zh: tuple[str, ...]


def route(
    *,
    score: int,
    grade: Grade,
    claim_type: str,
    amount: Decimal,
    currency: str,
    max_amount: Decimal | None,
    has_loss_lines: bool,
    verified_account: bool,
    cfg: Config | None = None,
) -> RoutingDecision:
    """Where a new claim goes. Only a low grade can go straight through; never a higher one."""
    cfg = cfg or config()
    grade_en = f"risk grade {grade} (score {score})"
    grade_zh = f"风险等级{grade.zh}（{score}分）"
    if grade == Grade.CRITICAL:
        return RoutingDecision(Route.SIU, (grade_en,), (grade_zh,))
    if grade == Grade.HIGH:
        return RoutingDecision(Route.INVESTIGATION, (grade_en,), (grade_zh,))
    if grade == Grade.MEDIUM:
        return RoutingDecision(Route.REVIEW, (grade_en,), (grade_zh,))
    blockers: list[tuple[str, str]] = []
    if claim_type not in cfg.simple_claim_types:
        blockers.append(
            (f"'{claim_type}' is not a simple claim type", f"“{claim_type}”不属于简易案件类型")
        )
    if max_amount is None:
        blockers.append(
            (
                "straight-through processing is off (CLAIMDESK_STP_MAX_AMOUNT is not set)",
                "未开启自动理赔（未设置CLAIMDESK_STP_MAX_AMOUNT）",
            )
        )
    elif amount > max_amount:
        blockers.append(
            (
                f"the amount {_money(amount, currency)} is above the straight-through limit "
                f"{_money(max_amount, currency)}",
                f"金额{_money(amount, currency)}超过自动理赔上限{_money(max_amount, currency)}",
            )
        )
    if not has_loss_lines:
        blockers.append(("no itemised loss lines", "没有损失明细"))
    if not verified_account:
        blockers.append(("no verified payee bank account", "没有已验证的收款账户"))
    if blockers:
        return RoutingDecision(
            Route.REVIEW,
            (grade_en, *(en for en, _ in blockers)),
            (grade_zh, *(zh for _, zh in blockers)),
        )
    assert max_amount is not None  # no blockers: straight-through is on
    return RoutingDecision(
        Route.STRAIGHT_THROUGH,
        (
            grade_en,
            f"simple claim type '{claim_type}'",
            f"amount {_money(amount, currency)} within {_money(max_amount, currency)}",
            "itemised loss lines present (paid once its minimum documents are read)",
            "verified payee bank account",
        ),
        (
            grade_zh,
            f"简易案件类型“{claim_type}”",
            f"金额{_money(amount, currency)}不超过{_money(max_amount, currency)}",
            "已有损失明细（最低限度材料识别后支付）",
            "收款账户已验证",
        ),
    )
