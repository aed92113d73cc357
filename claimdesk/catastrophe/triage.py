"""Triage of an event's claims by the rules in ``triage.toml``: a lane and a priority,
with the reasons in Chinese and English. Pure: the service gathers the facts."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from claimdesk.fraud.enums import Grade, Route

ROUTE_ZH = {
    Route.STRAIGHT_THROUGH: "自动理赔",
    Route.REVIEW: "人工审核",
    Route.INVESTIGATION: "现场调查",
    Route.SIU: "反欺诈调查（SIU）",
}


@dataclass(frozen=True)
class TriageFacts:
    claim_type: str
    claimed_amount: Decimal
    currency: str
    status: str
    siu_referred: bool
    grade: Grade | None  # None until the claim is scored
    score: int | None
    route: Route | None  # as routed, else what routing would decide now
    route_reasons_en: tuple[str, ...] = ()
    route_reasons_zh: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lane:
    code: str
    en: str
    zh: str
    siu_referred: bool = False
    grades: frozenset[Grade] = frozenset()
    routes: frozenset[Route] = frozenset()
    claim_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AmountBand:
    at_least: Decimal
    earlier_by: int


@dataclass(frozen=True)
class Config:
    version: str
    done_statuses: frozenset[str]
    lanes: tuple[Lane, ...]
    severity: dict[str, Any]
    amount_bands: tuple[AmountBand, ...]
    amount: dict[str, str]
    risk: dict[str, Any]


@dataclass(frozen=True)
class Triage:
    lane: str
    priority: int
    is_open: bool
    reasons_en: tuple[str, ...]
    reasons_zh: tuple[str, ...]


def parse_config(data: dict[str, Any]) -> Config:
    lanes = tuple(
        Lane(
            code=entry["code"],
            en=entry["en"],
            zh=entry["zh"],
            siu_referred=bool(entry.get("siu_referred", False)),
            grades=frozenset(Grade(g) for g in entry.get("grades", [])),
            routes=frozenset(Route(r) for r in entry.get("routes", [])),
            claim_types=frozenset(entry.get("claim_types", [])),
        )
        for entry in data["lanes"]
    )
    last = lanes[-1]
    if last.siu_referred or last.grades or last.routes or last.claim_types:
        raise ValueError("The last lane in triage.toml must have no condition: it takes the rest.")
    bands = sorted(
        (
            AmountBand(Decimal(str(b["at_least"])), int(b["earlier_by"]))
            for b in data["amount_bands"]
        ),
        key=lambda band: band.at_least,
        reverse=True,
    )
    return Config(
        version=str(data["version"]),
        done_statuses=frozenset(data["done_statuses"]),
        lanes=lanes,
        severity=data["severity"],
        amount_bands=tuple(bands),
        amount=data["amount"],
        risk=data["risk"],
    )


@cache
def config() -> Config:
    text = resources.files("claimdesk.catastrophe").joinpath("triage.toml").read_text("utf-8")
    return parse_config(tomllib.loads(text))


def _why(lane: Lane, facts: TriageFacts) -> tuple[list[str], list[str]] | None:
    """The conditions of the lane the claim meets (en, zh), or None if it meets none."""
    en: list[str] = []
    zh: list[str] = []
    if lane.siu_referred and facts.siu_referred:
        en.append("referred to SIU")
        zh.append("已移交反欺诈调查（SIU）")
    if facts.grade is not None and facts.grade in lane.grades:
        en.append(f"risk grade {facts.grade} (score {facts.score})")
        zh.append(f"风险等级{facts.grade.zh}（{facts.score}分）")
    if facts.route is not None and facts.route in lane.routes:
        if facts.route == Route.STRAIGHT_THROUGH:
            en.append("straight-through eligible (" + "; ".join(facts.route_reasons_en) + ")")
            zh.append("符合自动理赔条件（" + "；".join(facts.route_reasons_zh) + "）")
        else:
            en.append(f"routed to {facts.route}")
            zh.append(f"分流至{ROUTE_ZH[facts.route]}")
    if facts.claim_type in lane.claim_types:
        en.append(f"claim type '{facts.claim_type}' (injury, death or hospital)")
        zh.append(f"案件类型“{facts.claim_type}”（人身伤亡或住院）")
    return (en, zh) if en else None


def _money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount:,.2f}"


def triage(facts: TriageFacts, cfg: Config | None = None) -> Triage:
    """The first matching lane, then the priority: base by claim type, earlier for larger
    amounts and for high risk (never before 1)."""
    cfg = cfg or config()
    reasons_en: list[str] = []
    reasons_zh: list[str] = []
    lane = cfg.lanes[-1]
    for candidate in cfg.lanes:
        why = _why(candidate, facts)
        if why is not None:
            lane = candidate
            reasons_en.append(candidate.en.format(why="; ".join(why[0])))
            reasons_zh.append(candidate.zh.format(why_zh="；".join(why[1])))
            break
    else:
        reasons_en.append(lane.en)
        reasons_zh.append(lane.zh)

    severity = cfg.severity
    priority = int(severity["claim_types"].get(facts.claim_type, severity["default"]))
    reasons_en.append(severity["en"].format(claim_type=facts.claim_type, priority=priority))
    reasons_zh.append(severity["zh"].format(claim_type=facts.claim_type, priority=priority))
    for band in cfg.amount_bands:
        if facts.claimed_amount >= band.at_least:
            values = {
                "amount": _money(facts.claimed_amount, facts.currency),
                "at_least": _money(band.at_least, facts.currency),
                "earlier_by": band.earlier_by,
            }
            priority -= band.earlier_by
            reasons_en.append(cfg.amount["en"].format(**values))
            reasons_zh.append(cfg.amount["zh"].format(**values))
            break
    risky = {Grade(g) for g in cfg.risk["grades"]}
    if facts.grade is not None and facts.grade in risky:
        earlier_by = int(cfg.risk["earlier_by"])
        priority -= earlier_by
        values = {"grade": facts.grade, "grade_zh": facts.grade.zh, "earlier_by": earlier_by}
        reasons_en.append(cfg.risk["en"].format(**values))
        reasons_zh.append(cfg.risk["zh"].format(**values))
    return Triage(
        lane=lane.code,
        priority=max(priority, 1),
        is_open=facts.status not in cfg.done_statuses,
        reasons_en=tuple(reasons_en),
        reasons_zh=tuple(reasons_zh),
    )
