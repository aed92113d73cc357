"""Pure dialogue rules: what a message asks for, and reading the answers to the questions
the assistant asks while opening a claim. No database."""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any, TypeVar

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


_PAYMENT = re.compile(
    r"(赔款|理赔款|理赔金|赔付款|保险金|钱|款).{0,8}(到账|打款|支付|付款|打过来|发放|到卡)|"
    r"(多久|什么时候|几天|何时|哪天).{0,6}(到账|打款|付款|赔付|给钱|拿到钱|付钱)|到账|"
    r"\bwhen\b.{0,30}\b(money|payment|payout|paid|pay me|reimburs\w*)|"
    r"\bhow (long|soon)\b.{0,40}\b(paid|payment|money|payout|pay)\b|"
    r"\b(money|payment|payout)\b.{0,20}\b(arrive|come|hit|land|reach)",
    re.IGNORECASE,
)
_REMAINING = re.compile(
    r"(还剩|剩余|剩下|还有多少|余额|还能赔多少|还能报多少).{0,8}(保额|额度|保险金额|可以赔|能赔|能报)?|"
    r"(保额|额度).{0,6}(还剩|剩|还有多少|用了多少)|"
    r"\bremaining\b.{0,12}\b(sum insured|cover|limit|balance|amount)|"
    r"\bhow much\b.{0,30}\b(left|remaining)\b|\b(left|remaining) (on|in|under) my\b",
    re.IGNORECASE,
)
_DEDUCTIBLE = re.compile(r"免赔|起付线|\bdeductible\b|\bexcess\b", re.IGNORECASE)
_EXCLUDED = re.compile(
    r"不保什么|不赔什么|哪些不保|哪些不赔|不保哪些|不赔哪些|除外|免责|责任免除|"
    r"\bexclu\w*|\bnot covered\b|\bisn'?t covered\b|\bdoes(n'?t| not) cover\b",
    re.IGNORECASE,
)
_COVER = re.compile(
    r"(保单|保险|医疗险|车险|意外险|保障).{0,3}(保|赔|报|包括|包含|管|涵盖|覆盖|cover)|"
    r"(能|可以|给|可不可以)(报|赔|理赔|报销)|"
    r"\b(does|do|will|would|can|is)\b.{0,12}\bmy\b.{0,20}"
    r"\b(cover|covers|pay|pays|include|includes|reimburse)\b|"
    r"\bam i (covered|insured)\b|\bcovered (by|under|on) my\b|"
    r"\bmy (policy|insurance|plan) (covers?|includes?|pays?)\b",
    re.IGNORECASE,
)
# The kind of policy a question names (我的医疗险, my car insurance).
LINES = {
    "medical": re.compile(r"医疗险|医疗保险|住院险|\bmedical\b|\bhealth\b", re.IGNORECASE),
    "motor": re.compile(
        r"车险|机动车|汽车保险|\bcar\b|\bmotor\b|\bauto\b|\bvehicle\b", re.IGNORECASE
    ),
    "accident": re.compile(r"意外险|意外保险|\baccident (insurance|policy|cover)\b", re.IGNORECASE),
}


_OVERVIEW = re.compile(
    r"保什么|保哪些|保障什么|保障内容|包括什么|有哪些保障|"
    r"\bwhat (does|do)\b.{0,25}\b(cover|include)\b(\W*$|\s+and\b)",
    re.IGNORECASE,
)


def asks_overview(text: str) -> bool:
    """The question asks what a policy covers in general, not about one thing."""
    return bool(_OVERVIEW.search(text))


def preferred_entry(text: str) -> str | None:
    """The knowledge-base entry (key) that answers a general question of a known answer
    type: asked in general when the money arrives, the payment-timing entry."""
    return "payment-when" if _PAYMENT.search(text) else None


def is_personal(text: str) -> bool:
    """The message asks about the writer's own records (我的保单, my claim)."""
    return bool(
        re.search(_MINE, text, re.IGNORECASE)
        or re.search(r"\b(am i|do i have|have i got|i have)\b|我还|我能|我可以", text, re.I)
        or CLAIM_NUMBER.search(text)
    )


def policy_line(text: str) -> str | None:
    """The line of business (medical, motor, accident) a message names, if any."""
    return next((line for line, words in LINES.items() if words.search(text)), None)


def intent_of(text: str) -> Intent:
    """The answer type a fresh message (not an answer to one of our questions) asks for.
    Questions about the writer's own records (with 我的 / my, or a claim number) get
    answers from those records; the same questions asked in general go to the knowledge
    base, except the remaining sum insured, which only the records can tell."""
    if _HANDOFF.search(text):
        return Intent.HANDOFF
    if _COMPLAINT.search(text):
        return Intent.COMPLAINT
    if _REPORT.search(text):
        return Intent.REPORT_CLAIM
    mine = is_personal(text)
    if _MISSING.search(text) and mine:
        return Intent.MISSING_DOCUMENTS
    if _PAYMENT.search(text) and mine:
        return Intent.PAYMENT_TIMING
    if CLAIM_NUMBER.search(text) or _STATUS.search(text):
        return Intent.CLAIM_STATUS
    if mine and asks_overview(text):
        return Intent.POLICY_COVER
    if _REMAINING.search(text) and (mine or policy_line(text) or "保额" in text):
        return Intent.REMAINING
    if mine and _DEDUCTIBLE.search(text):
        return Intent.DEDUCTIBLE
    if mine and _EXCLUDED.search(text):
        return Intent.EXCLUSIONS
    if mine and _COVER.search(text):
        return Intent.COVER_CHECK
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


V = TypeVar("V")  # an option's value (a policy id, a coverage code)


def choose(text: str, options: list[tuple[V, list[str]]]) -> V | None:
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
