"""Message templates: Jinja2 in a sandbox, one source per event and language with the blocks
``subject``, ``text``, ``html`` (optional: made from the text when missing) and ``sms``.

The shipped defaults are files in ``messaging/templates/`` (``<event>.<locale>.jinja``);
staff may store an override per event and language (see service.py). Sources are compiled
twice, once escaping HTML (the ``html`` block) and once not (the other blocks), because
staff edit them: the sandbox keeps a template from reaching Python internals.
"""

from __future__ import annotations

import html as html_escape
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from claimdesk.core.errors import ValidationFailed
from claimdesk.messaging.enums import MessageEvent
from claimdesk.messaging.rules import LOCALES, sms_text

REQUIRED_BLOCKS = ("subject", "text", "sms")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


class TemplateInvalid(ValidationFailed):
    code = "template_invalid"


def _money(value: object, currency: str = "CNY") -> str:
    try:
        return f"{currency} {Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def _environment(autoescape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


def default_source(event: MessageEvent, locale: str) -> str:
    return (
        resources.files("claimdesk.messaging")
        .joinpath("templates", f"{event.value}.{locale}.jinja")
        .read_text("utf-8")
    )


@cache
def samples() -> dict[str, dict[str, Any]]:
    """Example values per event, for previews and for checking an edited template."""
    text = resources.files("claimdesk.messaging").joinpath("samples.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def names() -> dict[str, Any]:
    """Names customers read for codes (claim statuses), per language."""
    text = resources.files("claimdesk.messaging").joinpath("names.toml").read_text("utf-8")
    return tomllib.loads(text)


def status_name(status: str, locale: str) -> str:
    return str(names()["claim_status"][locale].get(status, status.replace("_", " ")))


def sample_params(event: MessageEvent, locale: str) -> dict[str, Any]:
    values = samples()[event.value]
    return {**values.get("common", {}), **values.get(locale, {})}


@lru_cache(maxsize=256)
def _compile(source: str) -> tuple[Template, Template]:
    try:
        text, markup = _TEXT.from_string(source), _HTML.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateInvalid(
            f"Template syntax error on line {exc.lineno}: {exc.message}",
            details=[{"field": "source", "line": exc.lineno}],
        ) from exc
    missing = [name for name in REQUIRED_BLOCKS if name not in text.blocks]
    if missing:
        raise TemplateInvalid(
            "A message template needs the blocks "
            + ", ".join(f"{{% block {name} %}}" for name in REQUIRED_BLOCKS)
            + f"; missing: {', '.join(missing)}.",
            details=[{"field": "source", "missing_blocks": missing}],
        )
    return text, markup


def _block(template: Template, name: str, params: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(params))).strip()


def render_source(source: str, params: dict[str, Any]) -> Rendered:
    """Render every block; an error (an unknown value, a forbidden attribute) is a 422."""
    text, markup = _compile(source)
    try:
        plain = _block(text, "text", params)
        html = (
            _block(markup, "html", params)
            if "html" in markup.blocks
            else "".join(
                f"<p>{html_escape.escape(p).replace(chr(10), '<br>')}</p>"
                for p in plain.split("\n\n")
            )
        )
        return Rendered(
            subject=" ".join(_block(text, "subject", params).split())[:256],
            text=plain,
            html=html,
            sms=sms_text(_block(text, "sms", params)),
        )
    except TemplateError as exc:
        raise TemplateInvalid(
            f"The template cannot be rendered: {exc}", details=[{"field": "source"}]
        ) from exc


def html_document(body: str, locale: str) -> str:
    """The HTML part of an e-mail: the rendered block in a plain, mail-client-safe page."""
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8"></head>'
        '<body style="font-family: sans-serif; line-height: 1.5; max-width: 40em">'
        f"{body}</body></html>"
    )


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise ValidationFailed(
            f"Language '{locale}' is not one of {', '.join(LOCALES)}.",
            details=[{"field": "locale"}],
        )
    return locale


def check_event(event: str) -> MessageEvent:
    try:
        return MessageEvent(event)
    except ValueError as exc:
        raise ValidationFailed(
            f"'{event}' is not a message event; events: {', '.join(MessageEvent)}.",
            details=[{"field": "event"}],
        ) from exc


def as_markup(value: str) -> Markup:
    """HTML rendered by a template already (a digest's parts), safe to insert as is."""
    return Markup(value)
