"""Pure dialogue rules: what a message asks for, and reading the answers to the questions
the assistant asks while opening a claim. No database."""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from claimdesk.assistant.enums import Intent

CLAIM_NUMBER = re.compile(r"\bCLM\d{6,}\b", re.IGNORECASE)
POLICY_NUMBER = re.compile(r"\bP\d{4}[A-Z]{2}\d{5,}\b", re.IGNORECASE)

_HANDOFF = re.compile(
    r"转人工|人工客服|人工服务|真人|找客服|"
    r"\b(talk|speak|chat)\s+(to|with)\s+(a|an|some)?\s*(person|human|agent|someone|representative)|"
    r"\b(human|live)\s+agent\b|\breal person\b",
    re.IGNORECASE,
)
_CANCEL = re.compile(r"^\s*(取消|算了|不报了|cancel|stop|never\s*mind|quit)\W*$", re.IGNORECASE)
_WANT = (
    r"(我要|我想|我需要|帮我|请帮我|"
    r"\bi\s+(want|would like|need)\s+to\b|\bi'?d like to\b|\bhelp me\b|\bplease\b)"
)
_COMPLAINT = re.compile(
    rf"{_WANT}.{{0,6}}(投诉|complain|file a complaint|make a complaint|lodge a complaint)|"
    r"投诉你们|我(很|非常)?不满|\bi\s+(want\s+to\s+)?complain\b",
    re.IGNORECASE,
)
_REPORT = re.compile(
    rf"{_WANT}.{{0,8}}(报案|理赔申请|申请理赔|报个案|report (a|my|the)? ?(claim|loss)|"
    r"(open|file|make|start|submit) (a|my)? ?(new )?claim)",
    re.IGNORECASE,
)
_MINE = r"(我的|我那个|我家|本人|\bmy\b|\bmine\b)"
_STATUS = re.compile(
    rf"{_MINE}.{{0,12}}(案件|理赔|案子|claim).{{0,12}}(进度|状态|到哪|怎么样|进展|status|progress|stand|going|update|where)|"
    r"(进度|状态|进展|status|progress).{0,12}(我的|my).{0,6}(案件|理赔|claim)",
    re.IGNORECASE,
)
_MISSING = re.compile(
    r"(缺|还差|还要|还需要|补).{0,8}(材料|资料|单据|文件)|"
    r"(documents?|papers?|paperwork).{0,20}(missing|outstanding|still need|left)|"
    r"(missing|outstanding).{0,12}(documents?|papers?|paperwork)",
    re.IGNORECASE,
)
_POLICY = re.compile(
    rf"{_MINE}.{{0,6}}(保单|保险|policy|cover|insurance).{{0,16}}(保什么|保障|保额|还剩|剩余|额度|cover|remaining|left|include|limit)",
    re.IGNORECASE,
)


def intent_of(text: str) -> Intent:
    """The intent a fresh message (not an answer to one of our questions) asks for."""
    if _HANDOFF.search(text):
        return Intent.HANDOFF
    if _COMPLAINT.search(text):
        return Intent.COMPLAINT
    if _REPORT.search(text):
        return Intent.REPORT_CLAIM
    if _MISSING.search(text) and (re.search(_MINE, text, re.I) or CLAIM_NUMBER.search(text)):
        return Intent.MISSING_DOCUMENTS
    if CLAIM_NUMBER.search(text) or _STATUS.search(text):
        return Intent.CLAIM_STATUS
    if _POLICY.search(text) or POLICY_NUMBER.search(text):
        return Intent.POLICY_COVER
    return Intent.QUESTION


def is_cancel(text: str) -> bool:
    return bool(_CANCEL.match(text))


def parse_date(text: str, today: date) -> date | None:
    lowered = text.strip().lower()
    if lowered in ("today", "今天", "今日"):
        return today
    if lowered in ("yesterday", "昨天", "昨日"):
        return today - timedelta(days=1)
    if lowered in ("前天", "the day before yesterday"):
        return today - timedelta(days=2)
    match = re.search(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_amount(text: str) -> Decimal | None:
    match = re.search(r"\d[\d,]*(?:\.\d{1,2})?", text)
    if not match:
        return None
    try:
        amount = Decimal(match.group().replace(",", ""))
    except InvalidOperation:
        return None
    return amount.quantize(Decimal("0.01")) if amount > 0 else None


def choose(text: str, options: list[tuple[str, list[str]]]) -> str | None:
    """The option a reply picks: its 1-based number, or one of its names appearing in it.
    ``options`` are (value, names) pairs."""
    stripped = text.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return options[int(stripped) - 1][0]
    lowered = stripped.lower()
    found = [value for value, names in options if any(n.lower() in lowered for n in names if n)]
    return found[0] if len(found) == 1 else None


@cache
def _replies() -> dict[str, Any]:
    text = resources.files("claimdesk.assistant").joinpath("replies.toml").read_text("utf-8")
    return tomllib.loads(text)


def say(locale: str, reply: str, /, **values: Any) -> str:
    """A reply of replies.toml in ``locale`` with its placeholders filled."""
    return str(_replies()[locale][reply]).format(**values)


def status_label(locale: str, status: str) -> str:
    return str(_replies()[locale]["status"].get(status, status))


def next_step(locale: str, status: str) -> str:
    return str(_replies()[locale]["next"].get(status, ""))
