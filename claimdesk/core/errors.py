"""Typed domain errors; the API maps each kind to a status code and the error shape.

Each error is said in the reader's language (zh-CN or en): the raising code gives its
message in both languages, either as ``message`` (English) and ``zh=`` (Chinese), or, as
most of the code still does, as one text "English. 中文。" (or "English / 中文"), which
:func:`split_languages` takes apart. Where an error has no text in the reader's language,
the code's own message from ``error_messages.toml`` stands in (a test checks that every
code has one in both languages).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("zh-CN", "en")

_CJK_CLASS = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK = re.compile(f"[{_CJK_CLASS}]")
_LATIN = re.compile("[A-Za-z]")
# Where one language's half ends and the other's begins: " / " between them, or a
# sentence's end right before the other language ("English. 中文。", "中文。English.").
_SEAMS = (
    re.compile(f"\\s+/\\s*|\\s*/\\s+|(?<=[.?!])/\\s*(?=[{_CJK_CLASS}])"),
    re.compile(f"(?<=[.?!:;)\\]'\"`])\\s+(?=[{_CJK_CLASS}])"),
    re.compile("(?<=[\u3002\uff01\uff1f\uff1b\uff09\u300d])\\s*(?=[A-Z])"),
)


def _mostly_chinese(text: str) -> bool:
    # A Chinese character says about as much as a short English word.
    return len(_CJK.findall(text)) * 3 >= len(_LATIN.findall(text))


def split_languages(text: str) -> dict[str, str]:
    """The English and the Chinese of a text written in both ("English. 中文。",
    "English / 中文", "中文 / English"): ``{"en": ..., "zh-CN": ...}``; a text in one
    language only (a name of the other inside is fine) gives just that language."""
    seams = sorted(
        (seam for pattern in _SEAMS for seam in pattern.finditer(text)), key=lambda m: m.start()
    )
    for seam in seams:
        left, right = text[: seam.start()].strip(" /"), text[seam.end() :].strip(" /")
        if not (left and right) or _mostly_chinese(left) == _mostly_chinese(right):
            continue
        if _CJK.search(left if _mostly_chinese(right) else right):
            continue  # the English half holds Chinese: not the seam
        english, chinese = (right, left) if _mostly_chinese(left) else (left, right)
        return {"en": english, "zh-CN": chinese}
    if not text.strip():
        return {}
    return {"zh-CN": text} if _mostly_chinese(text) else {"en": text}


@cache
def code_messages() -> dict[str, dict[str, str]]:
    """Each error code's own message, per language (``error_messages.toml``)."""
    text = resources.files("claimdesk.core").joinpath("error_messages.toml").read_text("utf-8")
    return tomllib.loads(text)


def code_message(code: str, language: str) -> str:
    texts = code_messages()[language]
    return texts.get(code) or texts["error"]


class ClaimDeskError(Exception):
    """Base of every error a user can meet. ``code`` is stable; ``message`` says what to do
    (in English, or in both languages); ``zh`` is its Chinese when given apart."""

    code = "error"

    def __init__(
        self, message: str, *, details: list[Any] | None = None, zh: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.zh = zh

    def texts(self) -> dict[str, str]:
        """The message by language, as far as it was given."""
        texts = split_languages(self.message)
        if self.zh:
            texts = {"en": texts.get("en", self.message), "zh-CN": self.zh}
        return texts

    def message_in(self, language: str) -> str:
        """The message in ``language``: its own words, else its code's message."""
        return self.texts().get(language) or code_message(self.code, language)


class NotFound(ClaimDeskError):
    code = "not_found"


class ValidationFailed(ClaimDeskError):
    code = "validation_failed"


class TooLarge(ValidationFailed):
    code = "too_large"


class UnsupportedMediaType(ValidationFailed):
    code = "unsupported_media_type"


class Conflict(ClaimDeskError):
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class EvidenceMissing(Conflict):
    """Money would move without the claim's required documents read (or waived)."""

    code = "evidence_missing"


class StaleVersion(Conflict):
    code = "stale_version"


class AuthenticationFailed(ClaimDeskError):
    code = "authentication_failed"


class PermissionDenied(ClaimDeskError):
    code = "permission_denied"


class AccountLocked(AuthenticationFailed):
    code = "account_locked"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(ClaimDeskError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


DATABASE_RETRY_AFTER_SECONDS = 5  # what a 503 tells the client to wait before trying again


class DatabaseBusy(ClaimDeskError):
    """The change did not get its turn at the database in time; nothing was changed."""

    code = "database_busy"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FieldInvestigationOpen(Conflict):
    """A claim routed to field investigation is approved before the investigation is done."""

    code = "field_investigation_open"
