"""System text as a message key and parameters, rendered in the reader's language when read.

What the system writes for people on a history row (claim timeline, ticket history) is stored
in the row's ``data["message"]`` as ``{"key": ..., "params": {...}}``; the key names a text
in both languages of ``claimdesk/web/messages.toml`` and the row's ``reason`` stays for the
words a person typed. A parameter is rendered by its form:

- a plain value (text, number) as it is;
- ``code(kind, value)``: a code (route, dispute stage, document kind) shown by its name;
- ``codes(kind, values)``: several codes, by their names, joined in the reader's way;
- ``both(zh, en)``: a text the domain already has in both languages, the reader's one;
- ``money(amount, currency)``: an amount with its currency;
- ``each(*messages)``: messages (from :func:`message`) joined as a list;
- a message (from :func:`message`) nested in another.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

MESSAGE = "message"  # where a history row's data holds its message


def message(key: str, **params: Any) -> dict[str, Any]:
    """A message to store: its key and parameters (JSON values)."""
    return {"key": key, "params": params}


def code(kind: str, value: str) -> dict[str, str]:
    return {"code": kind, "value": str(value)}


def codes(kind: str, values: Iterable[str]) -> dict[str, Any]:
    return {"codes": kind, "values": [str(v) for v in values]}


def both(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


def money(amount: Decimal | int | str, currency: str = "CNY") -> dict[str, str]:
    return {"money": str(amount), "currency": currency}


def each(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"list": list(messages)}
