"""Languages of the web pages: zh-CN and en, from the user's choice, else Accept-Language.

Every text a page shows is a key in ``messages.toml`` (one table per language, the same
keys in both); names that live in the data (products, coverages, document kinds) come in
both languages from the domain and are picked with :meth:`Translator.name`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from claimdesk.core.errors import split_languages
from claimdesk.core.messages import MESSAGE
from claimdesk.customers.rules import load_loyalty
from claimdesk.documents.checklists import document_kinds, template

LOCALES = ("zh-CN", "en")
# "exclusion: pre_existing, cosmetic" / "除外事由：pre_existing" in a payout step.
_EXCLUSION_CODES = re.compile(r"(exclusion: |除外事由：)([a-z_]+(?:, [a-z_]+)*)")
DEFAULT_LOCALE = "zh-CN"
# Codes named in this catalogue under a prefix of their own (``code(kind, value)``).
_CODE_PREFIXES = {
    "channel": "channel.",
    "complaint_field": "ticket_history.field_",
    "dispute_stage": "dispute.stage_",
    "dispute_outcome": "dispute.outcome_",
    "grade": "risk.grade_",
    "import_field": "import.field_",
    "outcome": "outcome.",
    "role": "role.",
    "route": "route.",
    "sla_metric": "sla.metric_",
    "status": "status.",
    "ticket_status": "ticket_history.status_",
}


@cache
def code_names() -> dict[str, dict[str, dict[str, str]]]:
    """The names of the standard products and their coverages, by code."""
    text = resources.files("claimdesk.policies").joinpath("catalogue.toml").read_text("utf-8")
    products = tomllib.loads(text)["products"]
    names: dict[str, dict[str, dict[str, str]]] = {"product": {}, "coverage": {}}
    for product in products:
        names["product"][product["code"]] = product
        for coverage in product.get("coverages", []):
            names["coverage"].setdefault(coverage["code"], coverage)
    return names


@cache
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("claimdesk.web").joinpath("messages.toml").read_text("utf-8")
    return tomllib.loads(text)


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an Accept-Language header (q-values honoured)."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        locale = {"zh": "zh-CN", "en": "en"}.get(primary)
        if locale and quality > 0:
            choices.append((-quality, position, locale))
    return min(choices)[2] if choices else DEFAULT_LOCALE


class _Params(dict[str, str]):
    """A message's rendered parameters; one the text names but the row lacks (a row
    stored before the text changed) shows as its name, never an error."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


@dataclass(frozen=True)
class Translator:
    locale: str
    timezone: str

    @property
    def is_zh(self) -> bool:
        return self.locale == "zh-CN"

    def __call__(self, key: str, **values: Any) -> str:
        text = catalogue()[self.locale][key]
        return text.format(**values) if values else text

    def get(self, key: str, default: str) -> str:
        """A text that may have no entry (e.g. a status added later): the default then."""
        return catalogue()[self.locale].get(key, default)

    def name(self, item: Any, attr: str = "name") -> str:
        """``item.name_zh`` or ``item.name_en`` (objects or dicts), by language."""
        first, second = ("zh", "en") if self.is_zh else ("en", "zh")
        for suffix in (first, second):
            value = (
                item.get(f"{attr}_{suffix}")
                if isinstance(item, dict)
                else getattr(item, f"{attr}_{suffix}", None)
            )
            if value:
                return str(value)
        return ""

    def pick(self, zh: str, en: str) -> str:
        return zh if self.is_zh else en

    def money(self, amount: Decimal | float | str | None, currency: str = "CNY") -> str:
        if amount is None:
            return "—"
        return f"{currency} {Decimal(amount):,.2f}"

    def when(self, moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return moment.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M")

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(ZoneInfo(self.timezone)).date()
        return value.isoformat()

    def code(self, kind: str, value: str | None) -> str:
        """A code shown by its name: ``claim_type``/``coverage`` (``inpatient``),
        ``product`` (``MED-HOSP``) from the product catalogue, ``exclusion``
        (``pre_existing``) from this catalogue. A code nobody named stays as it is."""
        if not value:
            return "—"
        if kind == "exclusion":
            return self.get(f"exclusion.{value}", value)
        if kind in ("document", "document_must_show"):
            if value not in document_kinds():
                return value
            doc = template(value)
            if kind == "document":
                return doc.name_zh if self.is_zh else doc.name_en
            return doc.must_show_zh if self.is_zh else doc.must_show_en
        if kind == "loyalty_reason":  # what earned points, or "benefit:CODE" they bought
            if value.startswith("benefit:"):
                benefit = load_loyalty().benefits.get(value.removeprefix("benefit:"))
                return self.name(benefit) if benefit is not None else value
            return self.get(f"loyalty.reason_{value}", value)
        if kind in _CODE_PREFIXES:
            return self.get(_CODE_PREFIXES[kind] + value, value)
        named = code_names().get("coverage" if kind == "claim_type" else kind, {}).get(value)
        return self.name(named) if named else value

    def step(self, step: dict[str, Any]) -> str:
        """A payout step's explanation in the reader's language, the exclusion codes it
        names (``pre_existing``) shown by their names."""
        text = str(step.get("message_zh" if self.is_zh else "message_en") or "")

        def named(match: re.Match[str]) -> str:
            codes = [c.strip() for c in match.group(2).split(",")]
            glue = "、" if self.is_zh else ", "
            return match.group(1) + glue.join(self.code("exclusion", c) for c in codes if c)

        return _EXCLUSION_CODES.sub(named, text)

    def own(self, text: str | None) -> str:
        """A text stored in both languages ("中文 / English", "English. 中文。"), in the
        reader's; a text in one language (a person's words) as it was written."""
        if not text:
            return ""
        return split_languages(text).get(self.locale) or text

    def status(self, value: str) -> str:
        return self.get(f"status.{value}", value.replace("_", " "))

    def action(self, value: str) -> str:
        return self.get(f"action.{value}", value.replace("_", " "))

    def message(self, message: dict[str, Any]) -> str:
        """A stored message (``claimdesk.core.messages``) in the reader's language: its
        key's text with the parameters rendered by their form."""
        text = self.get(str(message.get("key", "")), str(message.get("key", "")))
        params = _Params(
            {name: self._param(v) for name, v in (message.get("params") or {}).items()}
        )
        return text.format_map(params) if params else text

    def _param(self, value: Any) -> str:
        if not isinstance(value, dict):
            return "" if value is None else str(value)
        if "key" in value:
            return self.message(value)
        if "code" in value:
            return self.code(str(value["code"]), value.get("value"))
        if "codes" in value:
            glue = "、" if self.is_zh else ", "
            return glue.join(self.code(str(value["codes"]), v) for v in value.get("values", []))
        if "money" in value:
            return self.money(value["money"], str(value.get("currency") or "CNY"))
        if "list" in value:
            glue = "；" if self.is_zh else "; "
            return glue.join(self._param(item) for item in value["list"])
        other = "en" if self.is_zh else "zh-CN"
        return str(value.get(self.locale) or value.get(other) or "")

    def entry(self, reason: str | None, data: dict[str, Any] | None) -> str:
        """What a history row (claim timeline, ticket history) says to the reader: the
        system's message in the reader's language, then the words a person typed; an old
        row with only a stored reason says that reason, as before."""
        stored = (data or {}).get(MESSAGE)
        parts = [self.message(stored)] if isinstance(stored, dict) else []
        if reason:
            parts.append(self.own(reason))
        return "\n".join(parts)
