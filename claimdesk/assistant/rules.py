"""Pure rules of the assistant's answers from a customer's own records: what a cover
question is about, what the policy's terms say of it, and when a claim's money is due.
No database; the service loads the records and renders the verdicts."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources

from claimdesk.claims.payout import PolicyTerms

# Insurance Law art. 23: paid within 10 days of the agreement on the amount.
PAYMENT_DAYS = 10


@dataclass(frozen=True)
class Condition:
    """An exclusion that rules the topic out in some cases only."""

    code: str
    when_en: str
    when_zh: str


@dataclass(frozen=True)
class Topic:
    key: str
    en: str
    zh: str
    triggers: tuple[str, ...]
    covered_by: tuple[str, ...]
    excluded_by: tuple[str, ...]
    sometimes_excluded_by: tuple[Condition, ...]
    entry: str
    when_covered_en: str = ""
    when_covered_zh: str = ""


@cache
def _vocabulary() -> tuple[dict[str, dict[str, str]], tuple[Topic, ...]]:
    text = resources.files("claimdesk.assistant").joinpath("cover_topics.toml").read_text("utf-8")
    data = tomllib.loads(text)
    topics = tuple(
        Topic(
            key=t["key"],
            en=t["en"],
            zh=t["zh"],
            triggers=tuple(t["triggers"]),
            covered_by=tuple(t["covered_by"]),
            excluded_by=tuple(t["excluded_by"]),
            sometimes_excluded_by=tuple(Condition(**c) for c in t["sometimes_excluded_by"]),
            entry=t["entry"],
            when_covered_en=t.get("when_covered_en", ""),
            when_covered_zh=t.get("when_covered_zh", ""),
        )
        for t in data["topics"]
    )
    return data["exclusions"], topics


def exclusion_label(code: str, locale: str) -> str:
    """An exclusion code's name for a reader; an unknown code is shown as it is."""
    labels = _vocabulary()[0].get(code)
    if labels is None:
        return code
    return labels["zh"] if locale == "zh-CN" else labels["en"]


def _position(text: str, trigger: str) -> int:
    if trigger.isascii():
        found = re.search(rf"\b{re.escape(trigger)}\b", text)
        return found.start() if found else -1
    return text.find(trigger)


def find_topic(text: str) -> Topic | None:
    """The topic a cover question names: of the topics whose triggers it uses, the one
    with the longest trigger (牙齿矫正 before 牙齿), then the earliest in the text."""
    lowered = text.lower()
    best: tuple[int, int, Topic] | None = None
    for topic in _vocabulary()[1]:
        for trigger in topic.triggers:
            at = _position(lowered, trigger.lower())
            if at >= 0 and (best is None or (-len(trigger), at) < (best[0], best[1])):
                best = (-len(trigger), at, topic)
    return best[2] if best else None


class Verdict(StrEnum):
    COVERED = "covered"
    EXCLUDED = "excluded"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Exclusion:
    code: str
    coverage: str | None  # None: a general exclusion of the policy


@dataclass(frozen=True)
class CoverVerdict:
    verdict: Verdict
    coverages: tuple[str, ...] = ()  # the policy's coverages that pay for the topic
    exclusions: tuple[Exclusion, ...] = ()  # the clauses that exclude it
    conditions: tuple[tuple[Condition, Exclusion], ...] = field(default=())


def _clauses(terms: PolicyTerms, code: str, coverages: list[str] | None) -> list[Exclusion]:
    """Where the policy's terms hold exclusion ``code``: the general exclusions, then
    those of ``coverages`` (all of them when None)."""
    found = [Exclusion(code, None)] if code in terms.exclusions else []
    for coverage in terms.coverages.values():
        if (coverages is None or coverage.code in coverages) and code in coverage.exclusions:
            found.append(Exclusion(code, coverage.code))
    return found


def judge_cover(topic: Topic, terms: PolicyTerms) -> CoverVerdict:
    """What a policy's terms say of a topic. Covered only when one of the policy's
    coverages is one that pays for the topic and no exclusion of the topic is in the
    terms; exclusions that apply in some cases are named as conditions."""
    excluded = [e for code in topic.excluded_by for e in _clauses(terms, code, None)]
    if excluded:
        return CoverVerdict(Verdict.EXCLUDED, exclusions=tuple(excluded))
    paying = [code for code in topic.covered_by if code in terms.coverages]
    scope = paying or None
    conditions = tuple(
        (condition, clause)
        for condition in topic.sometimes_excluded_by
        for clause in _clauses(terms, condition.code, scope)[:1]
    )
    verdict = Verdict.COVERED if paying else Verdict.NOT_FOUND
    return CoverVerdict(verdict, coverages=tuple(paying), conditions=conditions)


def payment_due(agreed_at: datetime) -> datetime:
    """When an approved claim must be paid at the latest (Insurance Law art. 23)."""
    return agreed_at + timedelta(days=PAYMENT_DAYS)
