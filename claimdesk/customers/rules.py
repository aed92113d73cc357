"""Pure customer rules: loyalty tiers and spending, the lifecycle stage, the next best service.

Each rule that labels a customer also says which rule it was, in Chinese and English, so
the customer 360 can show why.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

from claimdesk.core.errors import Conflict, ValidationFailed

# ---------------------------------------------------------------- loyalty


@dataclass(frozen=True)
class Tier:
    code: str
    min_points: int
    service_tier: str
    priority: str
    name_zh: str
    name_en: str
    benefits_zh: tuple[str, ...]
    benefits_en: tuple[str, ...]


@dataclass(frozen=True)
class Benefit:
    code: str
    points: int
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class LoyaltyConfig:
    earn: Mapping[str, int]
    tiers: tuple[Tier, ...]
    benefits: Mapping[str, Benefit]

    def tier_for(self, earned_total: int) -> Tier:
        """The highest tier whose threshold the points ever earned reach."""
        return [t for t in self.tiers if earned_total >= t.min_points][-1]

    def tier(self, code: str) -> Tier:
        return next(t for t in self.tiers if t.code == code)

    def points_for(self, reason: str) -> int:
        if reason not in self.earn:
            raise ValueError(f"no earning rule '{reason}' in loyalty.toml")
        return self.earn[reason]


def parse_loyalty(raw: Mapping[str, Any]) -> LoyaltyConfig:
    tiers = tuple(
        Tier(
            code=t["code"],
            min_points=int(t["min_points"]),
            service_tier=t["service_tier"],
            priority=t["priority"],
            name_zh=t["name_zh"],
            name_en=t["name_en"],
            benefits_zh=tuple(t["benefits_zh"]),
            benefits_en=tuple(t["benefits_en"]),
        )
        for t in raw["tiers"]
    )
    if not tiers or tiers[0].min_points != 0:
        raise ValueError("loyalty.toml: the first tier must start at 0 points")
    if any(a.min_points >= b.min_points for a, b in pairwise(tiers)):
        raise ValueError("loyalty.toml: tiers must be listed by rising min_points")
    benefits = {
        code: Benefit(code, int(b["points"]), b["name_zh"], b["name_en"])
        for code, b in raw["benefits"].items()
    }
    return LoyaltyConfig(earn=dict(raw["earn"]), tiers=tiers, benefits=benefits)


@lru_cache
def load_loyalty() -> LoyaltyConfig:
    text = resources.files("claimdesk.customers").joinpath("loyalty.toml").read_text("utf-8")
    return parse_loyalty(tomllib.loads(text))


def check_spend(balance: int, benefit: Benefit) -> None:
    """Spending may never take the balance below zero."""
    if benefit.points > balance:
        raise Conflict(
            f"'{benefit.name_en}' needs {benefit.points} points and the balance is {balance}; "
            f"earn {benefit.points - balance} more first. / 积分不足：兑换「{benefit.name_zh}」"
            f"需要 {benefit.points} 分，当前余额 {balance} 分。"
        )


def benefit(config: LoyaltyConfig, code: str) -> Benefit:
    if code not in config.benefits:
        raise ValidationFailed(
            f"'{code}' is not a benefit; choose one of {', '.join(sorted(config.benefits))}.",
            details=[{"field": "benefit"}],
        )
    return config.benefits[code]


def full_years(start: date, today: date) -> int:
    """Whole years from ``start`` to ``today`` (a 29 February start counts on 28 February)."""
    years = today.year - start.year
    try:
        anniversary = start.replace(year=today.year)
    except ValueError:
        anniversary = date(today.year, 2, 28)
    return max(0, years - (today < anniversary))


# ---------------------------------------------------------------- lifecycle stage


class Stage(StrEnum):
    PROSPECT = "prospect"
    NEW = "new"
    ACTIVE = "active"
    AT_RISK = "at_risk"
    LAPSED = "lapsed"


NEW_DAYS = 90  # a customer is new for this long after their first policy starts
RECENT_DAYS = 90  # how far back a low score or a denial makes a customer at risk
RENEWAL_WINDOW_DAYS = 30  # a policy ending this soon with no successor needs renewing


@dataclass(frozen=True)
class CustomerFacts:
    """What the stage and next-best-service rules read about one customer, as of ``today``."""

    today: date
    first_policy_start: date | None
    policies_in_force: int
    last_policy_end: date | None
    # In-force policies ending within the renewal window with no later policy of the product.
    renewals_due: tuple[tuple[str, date], ...]  # (policy number, end date)
    lowest_recent_score: int | None
    open_complaints: int
    recent_denials: int
    claims_awaiting_documents: int
    uses_self_service: bool


@dataclass(frozen=True)
class Labelled:
    code: str
    rule: str  # which rule decided, a stable code
    reason_en: str
    reason_zh: str


def lifecycle_stage(facts: CustomerFacts, *, low_score: int) -> Labelled:
    """Rules in order, first match wins: prospect, lapsed, at risk, new, active."""
    if facts.first_policy_start is None:
        return Labelled(Stage.PROSPECT, "no_policy", "Has never held a policy.", "从未持有保单。")
    if facts.policies_in_force == 0:
        ended = facts.last_policy_end
        return Labelled(
            Stage.LAPSED,
            "none_in_force",
            f"No policy in force; the last ended on {ended}.",
            f"当前无有效保单，最近一张于 {ended} 到期。",
        )
    if facts.lowest_recent_score is not None and facts.lowest_recent_score <= low_score:
        return Labelled(
            Stage.AT_RISK,
            "low_csat",
            f"Gave a satisfaction score of {facts.lowest_recent_score}/5 "
            f"in the last {RECENT_DAYS} days.",
            f"近 {RECENT_DAYS} 天满意度评分 {facts.lowest_recent_score}/5。",
        )
    if facts.open_complaints:
        return Labelled(
            Stage.AT_RISK,
            "open_complaint",
            f"Has {facts.open_complaints} open complaint(s).",
            f"有 {facts.open_complaints} 件未结投诉。",
        )
    if facts.recent_denials:
        return Labelled(
            Stage.AT_RISK,
            "claim_denied",
            f"Had a claim denied in the last {RECENT_DAYS} days.",
            f"近 {RECENT_DAYS} 天有理赔被拒。",
        )
    if facts.renewals_due and facts.policies_in_force == len(facts.renewals_due):
        number, end = facts.renewals_due[0]
        return Labelled(
            Stage.AT_RISK,
            "all_policies_ending",
            f"Every policy in force ends within {RENEWAL_WINDOW_DAYS} days "
            f"(policy {number} on {end}) with no renewal.",
            f"所有有效保单将在 {RENEWAL_WINDOW_DAYS} 天内到期（{number} 于 {end}），尚未续保。",
        )
    if facts.today - facts.first_policy_start < timedelta(days=NEW_DAYS):
        return Labelled(
            Stage.NEW,
            "first_policy_recent",
            f"First policy started on {facts.first_policy_start}, less than {NEW_DAYS} days ago.",
            f"首张保单于 {facts.first_policy_start} 生效，不足 {NEW_DAYS} 天。",
        )
    return Labelled(
        Stage.ACTIVE,
        "in_force",
        f"Has {facts.policies_in_force} policy(ies) in force, none at risk.",
        f"有 {facts.policies_in_force} 张有效保单，无流失迹象。",
    )


def next_best_service(facts: CustomerFacts, stage: Labelled) -> Labelled:
    """The one service to offer this customer now, with its reason (first match wins)."""
    if stage.rule == "low_csat":
        return Labelled(
            "call_after_low_csat",
            "low_csat",
            f"Call the customer: they scored us {facts.lowest_recent_score}/5 recently.",
            f"致电回访：客户近期评分 {facts.lowest_recent_score}/5。",
        )
    if facts.open_complaints:
        return Labelled(
            "resolve_complaint",
            "open_complaint",
            "Resolve the open complaint before offering anything.",
            "先处理未结投诉。",
        )
    if facts.renewals_due:
        number, end = facts.renewals_due[0]
        return Labelled(
            "remind_renewal",
            "renewal_due",
            f"Remind to renew: policy {number} ends on {end}.",
            f"提醒续保：保单 {number} 将于 {end} 到期。",
        )
    if facts.claims_awaiting_documents and not facts.uses_self_service:
        return Labelled(
            "offer_self_service_upload",
            "documents_awaited_offline",
            "Offer online document upload: a claim is waiting for documents and the customer "
            "has only used the counter or phone.",
            "推荐线上上传材料：有理赔在等待补充材料，客户一直通过柜面或电话办理。",
        )
    if stage.code == Stage.LAPSED:
        return Labelled(
            "win_back",
            "lapsed",
            "Offer a new policy: none is in force.",
            "推荐新保单：当前无有效保单。",
        )
    if stage.code == Stage.PROSPECT:
        return Labelled(
            "offer_quote", "prospect", "Offer a quote for a first policy.", "提供首张保单报价。"
        )
    if stage.code == Stage.NEW:
        return Labelled(
            "welcome_call",
            "new_customer",
            "Welcome call: explain how to report a claim online.",
            "欢迎回访：介绍线上报案流程。",
        )
    return Labelled("none", "nothing_due", "Nothing to offer now.", "暂无需要推荐的服务。")
