"""Per-product attribute schemas: what adjusters collect about a claim at first notice and
what a policy records about its insured object, read from ``attributes/<PRODUCT>.toml``
(data, not code). Pure: validation returns the stored values or raises ``ValidationFailed``
naming the field."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal

from claimdesk.core.errors import ValidationFailed

Section = Literal["claim", "insured_object"]
AttributeValue = str | int | bool
_TYPES = frozenset({"choice", "boolean", "integer", "text"})
_TRUE = frozenset({"true", "yes", "y", "1", "是"})
_FALSE = frozenset({"false", "no", "n", "0", "否"})


@dataclass(frozen=True)
class Choice:
    value: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str
    label_zh: str
    label_en: str
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 256
    derive: str | None = None
    derive_bands: tuple[tuple[int, str], ...] = ()

    def label(self, locale: str) -> str:
        return self.label_zh if locale.startswith("zh") else self.label_en

    def value_label(self, value: AttributeValue, locale: str) -> str:
        zh = locale.startswith("zh")
        if self.type == "choice":
            choice = next((c for c in self.choices if c.value == value), None)
            if choice is not None:
                return choice.label_zh if zh else choice.label_en
        if self.type == "boolean":
            return ("是" if value else "否") if zh else ("Yes" if value else "No")
        return str(value)


@dataclass(frozen=True)
class ProductAttributes:
    product_code: str
    claim: tuple[Attribute, ...]
    insured_object: tuple[Attribute, ...]

    def section(self, section: Section) -> tuple[Attribute, ...]:
        return self.claim if section == "claim" else self.insured_object

    def attribute(self, section: Section, name: str) -> Attribute | None:
        return next((a for a in self.section(section) if a.name == name), None)


def _attribute(name: str, spec: dict[str, Any]) -> Attribute:
    kind = spec["type"]
    if kind not in _TYPES:
        raise ValueError(f"attribute {name}: unknown type {kind!r}")
    choices = tuple(
        Choice(str(value), labels["zh"], labels["en"])
        for value, labels in spec.get("choices", {}).items()
    )
    if kind == "choice" and not choices:
        raise ValueError(f"attribute {name}: a choice needs choices")
    bands = tuple((int(low), str(value)) for low, value in spec.get("derive_bands", []))
    return Attribute(
        name=name,
        type=kind,
        label_zh=spec["label_zh"],
        label_en=spec["label_en"],
        choices=choices,
        minimum=spec.get("min"),
        maximum=spec.get("max"),
        max_length=spec.get("max_length", 256),
        derive=spec.get("derive"),
        derive_bands=bands,
    )


def parse_schema(product_code: str, text: str) -> ProductAttributes:
    data = tomllib.loads(text)
    return ProductAttributes(
        product_code=product_code,
        claim=tuple(_attribute(n, s) for n, s in data.get("claim", {}).items()),
        insured_object=tuple(_attribute(n, s) for n, s in data.get("insured_object", {}).items()),
    )


@cache
def schema_for(product_code: str) -> ProductAttributes | None:
    """The product's attribute schema, or None when the product has none."""
    path = resources.files("claimdesk.policies").joinpath("attributes", f"{product_code}.toml")
    if not path.is_file():
        return None
    return parse_schema(product_code, path.read_text("utf-8"))


def _invalid(field: str, message: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field, **extra}])


def _coerce(attribute: Attribute, value: Any, field: str) -> AttributeValue:
    label = f"{attribute.label_en} ({field})"
    if attribute.type == "choice":
        allowed = [c.value for c in attribute.choices]
        text = str(value).strip() if isinstance(value, str | int) else None
        if isinstance(value, bool) or text not in allowed:
            raise _invalid(
                field,
                f"{label}: {value!r} is not an allowed value; allowed: {', '.join(allowed)}.",
                allowed=allowed,
            )
        return text
    if attribute.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise _invalid(field, f"{label}: {value!r} is not true or false.")
    if attribute.type == "integer":
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value.strip())
        if number is None:
            raise _invalid(field, f"{label}: {value!r} is not a whole number.")
        if attribute.minimum is not None and number < attribute.minimum:
            raise _invalid(field, f"{label}: {number} is below the minimum {attribute.minimum}.")
        if attribute.maximum is not None and number > attribute.maximum:
            raise _invalid(field, f"{label}: {number} is above the maximum {attribute.maximum}.")
        return number
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _invalid(field, f"{label}: {value!r} is not text.")
    text = str(value).strip()
    if len(text) > attribute.max_length:
        raise _invalid(field, f"{label}: longer than {attribute.max_length} characters.")
    return text


def validate_attributes(
    schema: ProductAttributes | None,
    section: Section,
    values: dict[str, Any],
    *,
    field: str,
) -> dict[str, AttributeValue]:
    """The values as stored (typed, in schema order), or ``ValidationFailed`` naming the
    first unknown or invalid one as ``<field>.<name>``. Empty values are left out. A product
    without a schema takes no claim attributes and free-form insured-object text."""
    if schema is None:
        if section == "claim" and values:
            name = next(iter(values))
            raise _invalid(f"{field}.{name}", f"This product takes no claim attributes ('{name}').")
        return {str(k): str(v) for k, v in values.items() if v is not None and str(v) != ""}
    known = {a.name for a in schema.section(section)}
    for name in values:
        if name not in known:
            raise _invalid(
                f"{field}.{name}",
                f"Unknown attribute '{name}' for {schema.product_code}; "
                f"known: {', '.join(sorted(known))}.",
            )
    stored: dict[str, AttributeValue] = {}
    for attribute in schema.section(section):
        value = values.get(attribute.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        stored[attribute.name] = _coerce(attribute, value, f"{field}.{attribute.name}")
    return stored


def _band(attribute: Attribute, days: int) -> str | None:
    chosen = None
    for low, value in attribute.derive_bands:
        if days >= low:
            chosen = value
    return chosen


def derive_claim_attributes(
    schema: ProductAttributes | None,
    values: dict[str, AttributeValue],
    *,
    policy_start: date,
    incident_date: date,
) -> dict[str, AttributeValue]:
    """Fill the derivable attributes the report did not give (e.g. days from policy start
    to the accident)."""
    if schema is None:
        return values
    filled = dict(values)
    for attribute in schema.claim:
        if attribute.name in filled or attribute.derive != "days_from_policy_start":
            continue
        band = _band(attribute, (incident_date - policy_start).days)
        if band is not None:
            filled[attribute.name] = band
    return {a.name: filled[a.name] for a in schema.claim if a.name in filled}


@dataclass(frozen=True)
class ShownAttribute:
    name: str
    label: str
    value: str


def shown(
    schema: ProductAttributes | None,
    section: Section,
    values: dict[str, Any],
    locale: str,
) -> list[ShownAttribute]:
    """The stored values with their labels in the reader's language, in schema order."""
    if schema is None:
        return [ShownAttribute(k, k, str(v)) for k, v in values.items()]
    rows = [
        ShownAttribute(a.name, a.label(locale), a.value_label(values[a.name], locale))
        for a in schema.section(section)
        if a.name in values
    ]
    known = {a.name for a in schema.section(section)}
    rows += [ShownAttribute(k, k, str(v)) for k, v in values.items() if k not in known]
    return rows
