"""Pure rules of customer communications: which step says what, to whom, on which channel,
when steps merge into a digest, and how e-mails thread onto tickets."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from claimdesk.claims.enums import ClaimAction
from claimdesk.messaging.enums import Category, MessageChannel, MessageEvent
from claimdesk.security.service import Actor

LOCALES = ("zh-CN", "en")
SMS_MAX_CHARS = 160

CATEGORY: dict[MessageEvent, Category] = {
    MessageEvent.CLAIM_REPORTED: Category.STATUTORY,  # acknowledgement with documents needed
    MessageEvent.DOCUMENTS_REQUESTED: Category.STATUTORY,  # art. 22: the one request
    MessageEvent.CLAIM_APPROVED: Category.STATUTORY,  # art. 23: the agreed amount
    MessageEvent.CLAIM_DENIED: Category.STATUTORY,  # art. 24: denial notice with reasons
    MessageEvent.CLAIM_PAID: Category.STATUTORY,
    MessageEvent.CLAIM_STATUS: Category.OPTIONAL,
    MessageEvent.CLAIM_CLOSED: Category.OPTIONAL,
    MessageEvent.TICKET_REPLY: Category.SERVICE,
    MessageEvent.TICKET_RESOLVED: Category.OPTIONAL,
    MessageEvent.DIGEST: Category.OPTIONAL,  # a digest takes its most binding part's category
    MessageEvent.WEBHOOK_DISABLED: Category.SERVICE,
}

# Customer-visible claim steps and what each tells; steps not listed (risk referral,
# assessment, coverage check, archive) are internal and send nothing.
CLAIM_STEP_EVENTS: dict[ClaimAction, MessageEvent] = {
    ClaimAction.REQUEST_DOCUMENTS: MessageEvent.DOCUMENTS_REQUESTED,
    ClaimAction.SUBMIT_DOCUMENTS: MessageEvent.CLAIM_STATUS,
    ClaimAction.START_REVIEW: MessageEvent.CLAIM_STATUS,
    ClaimAction.START_INVESTIGATION: MessageEvent.CLAIM_STATUS,
    ClaimAction.APPROVE: MessageEvent.CLAIM_APPROVED,
    ClaimAction.DENY: MessageEvent.CLAIM_DENIED,
    ClaimAction.PAY: MessageEvent.CLAIM_PAID,
    ClaimAction.CLOSE: MessageEvent.CLAIM_CLOSED,
    ClaimAction.WITHDRAW: MessageEvent.CLAIM_STATUS,
    ClaimAction.REOPEN: MessageEvent.CLAIM_STATUS,
}

_ORDER = (Category.OPTIONAL, Category.SERVICE, Category.STATUTORY)
TICKET_NUMBER = re.compile(r"\bTKT\d{15}\b")
CLAIM_NUMBER = re.compile(r"\bCLM\d{15}\b")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Preferences:
    channels: tuple[MessageChannel, ...] = (MessageChannel.EMAIL, MessageChannel.SMS)
    opt_out_non_statutory: bool = False


@dataclass(frozen=True)
class Notice:
    """One customer-visible step worth a message: its template and the values it shows.

    ``key`` names the step (a claim's timeline entry, a ticket message), so the same step
    never makes a second message; ``params`` are JSON values (amounts as strings).
    """

    key: str
    event: MessageEvent
    params: Mapping[str, object]
    claim_id: int | None = None
    ticket_id: int | None = None

    @property
    def category(self) -> Category:
        return CATEGORY[self.event]


def locale_of(preferred: str | None) -> str:
    """The customer's language: English when they chose it, otherwise Chinese."""
    return "en" if (preferred or "").lower().startswith("en") else "zh-CN"


def guess_locale(text: str) -> str:
    """The language of a stranger's e-mail: Chinese if it has Chinese characters."""
    return "zh-CN" if _CJK.search(text) else "en"


def strongest(categories: Iterable[Category]) -> Category:
    return max(categories, key=_ORDER.index)


def channels_for(
    preferences: Preferences, addresses: Mapping[MessageChannel, str | None], category: Category
) -> list[MessageChannel]:
    """The channels a message goes out on: the customer's chosen channels they have an
    address for; nothing optional once they opted out; a statutory notice reaches them on
    any channel they have when none of their chosen ones works."""
    if category == Category.OPTIONAL and preferences.opt_out_non_statutory:
        return []
    chosen = [c for c in preferences.channels if addresses.get(c)]
    if chosen or category != Category.STATUTORY:
        return chosen
    return [c for c in MessageChannel if addresses.get(c)]


def is_automatic(actor: Actor) -> bool:
    """A step the system took by itself (no person signed in behind it)."""
    return actor.user_id is None and not actor.is_customer


def digest_closes_at(first_step_at: datetime, window_seconds: int) -> datetime:
    return first_step_at + timedelta(seconds=window_seconds)


def message_id(key: str, sender: str) -> str:
    """A stable Message-ID for an outbox key: a resend is recognised as the same message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "claimdesk.localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def ticket_thread_id(ticket_number: str, sender: str) -> str:
    """The Message-ID every e-mail about a ticket refers to, so replies find the ticket."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "claimdesk.localhost"
    return f"<{ticket_number.lower()}@{domain}>"


def ticket_number_in(subject: str) -> str | None:
    found = TICKET_NUMBER.search(subject or "")
    return found.group(0) if found else None


def referenced_ids(in_reply_to: str | None, references: str | None) -> list[str]:
    """Message-IDs an e-mail replies to, the nearest first."""
    ids = re.findall(r"<[^<>\s]+>", f"{in_reply_to or ''} {references or ''}")
    direct = re.findall(r"<[^<>\s]+>", in_reply_to or "")
    return list(dict.fromkeys([*direct, *reversed(ids)]))


def mask_account(number: str) -> str:
    """A bank account as customers see it in messages: the last four digits only."""
    digits = re.sub(r"\D", "", number)
    return f"**** {digits[-4:]}" if len(digits) >= 4 else "****"


def sms_text(text: str) -> str:
    """One line, at most ``SMS_MAX_CHARS`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= SMS_MAX_CHARS else line[: SMS_MAX_CHARS - 1] + "…"


@dataclass(frozen=True)
class AuthResults:
    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None

    @property
    def failed(self) -> bool:
        """The sender's domain says this mail is not from it: DMARC failed, or SPF failed
        with no DKIM signature passing."""
        return self.dmarc == "fail" or (self.spf in ("fail", "softfail") and self.dkim != "pass")


def auth_results(values: Sequence[str], authserv_id: str | None) -> AuthResults:
    """SPF, DKIM and DMARC results from Authentication-Results headers (RFC 8601): those of
    ``authserv_id`` when given (headers anyone else added are not trusted), else the
    topmost header; the first result of each method counts."""
    for value in values:
        clean = re.sub(r"\([^()]*\)", "", value)
        server, *results = [part.strip() for part in clean.split(";")]
        if authserv_id is not None and server.split()[0:1] != [authserv_id]:
            continue
        found: dict[str, str] = {}
        for result in results:
            method, _, rest = result.partition("=")
            if rest:
                found.setdefault(method.strip().lower(), rest.split()[0].lower())
        return AuthResults(found.get("spf"), found.get("dkim"), found.get("dmarc"))
    return AuthResults()


def strip_quoted(body: str) -> str:
    """A reply without the quoted message under it ('> ...' lines and the 'On ... wrote:'
    line before them)."""
    lines = body.replace("\r\n", "\n").split("\n")
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()
    if lines and re.search(r"(wrote|写道)[:：]\s*$", lines[-1]):
        lines.pop()
    return "\n".join(lines).strip()


def claim_numbers_in(text: str) -> list[str]:
    return list(dict.fromkeys(CLAIM_NUMBER.findall(text or "")))
