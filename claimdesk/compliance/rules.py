"""Pure compliance rules: which certificates a claim action needs, and whether a person's
certificates cover it on a given day; training hours against the yearly requirement."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from claimdesk.core.errors import PermissionDenied


@dataclass(frozen=True)
class KindName:
    en: str
    zh: str


@dataclass(frozen=True)
class QualificationRules:
    kinds: Mapping[str, KindName]
    # action -> scope ("all" or a product line) -> certificate kinds
    gates: Mapping[str, Mapping[str, tuple[str, ...]]]

    def required(self, action: str, product_line: str) -> tuple[str, ...]:
        gate = self.gates.get(action, {})
        return (*gate.get("all", ()), *gate.get(product_line, ()))

    def gated_kinds(self) -> tuple[str, ...]:
        """Every kind some gate asks for: what a fully qualified handler holds."""
        kinds = {
            kind for scopes in self.gates.values() for names in scopes.values() for kind in names
        }
        return tuple(sorted(kinds))

    def name(self, kind: str) -> KindName:
        return self.kinds.get(kind, KindName(kind, kind))


def parse_rules(toml_text: str) -> QualificationRules:
    data: dict[str, Any] = tomllib.loads(toml_text)
    kinds = {code: KindName(entry["en"], entry["zh"]) for code, entry in data["kinds"].items()}
    gates = {
        action: {scope: tuple(names) for scope, names in scopes.items()}
        for action, scopes in data.get("gates", {}).items()
    }
    unknown = sorted(
        {kind for scopes in gates.values() for names in scopes.values() for kind in names}
        - set(kinds)
    )
    if unknown:
        raise ValueError(f"qualifications.toml gates name unknown kinds: {', '.join(unknown)}")
    return QualificationRules(kinds, gates)


@cache
def qualification_rules() -> QualificationRules:
    text = resources.files("claimdesk.compliance").joinpath("qualifications.toml")
    return parse_rules(text.read_text("utf-8"))


@dataclass(frozen=True)
class Certificate:
    """One recorded certificate, as the rules see it."""

    kind: str
    issued_on: date
    expires_on: date | None  # None: does not expire

    def valid_on(self, day: date) -> bool:
        return self.issued_on <= day and (self.expires_on is None or day <= self.expires_on)


@dataclass(frozen=True)
class Shortfall:
    """A certificate kind a person needs but does not validly hold on the day."""

    kind: str
    problem: str  # missing, expired, not_yet_valid
    expired_on: date | None = None
    valid_from: date | None = None


def shortfalls(held: Iterable[Certificate], required: Iterable[str], day: date) -> list[Shortfall]:
    """The required kinds not covered by a certificate valid on ``day``, with why."""
    certificates = list(held)
    result = []
    for kind in required:
        of_kind = [c for c in certificates if c.kind == kind]
        if any(c.valid_on(day) for c in of_kind):
            continue
        expired = [c.expires_on for c in of_kind if c.expires_on is not None and c.expires_on < day]
        future = [c.issued_on for c in of_kind if c.issued_on > day]
        if expired:
            result.append(Shortfall(kind, "expired", expired_on=max(expired)))
        elif future:
            result.append(Shortfall(kind, "not_yet_valid", valid_from=min(future)))
        else:
            result.append(Shortfall(kind, "missing"))
    return result


def check_qualified(
    action: str,
    product_line: str,
    held: Iterable[Certificate],
    day: date,
    rules: QualificationRules,
    *,
    username: str,
    user_id: int,
) -> None:
    """Refuse a gated action when the person lacks a valid required certificate.

    The message names each certificate, what is wrong with it and how to put it right.
    """
    gaps = shortfalls(held, rules.required(action, product_line), day)
    if not gaps:
        return
    en_parts, zh_parts = [], []
    for gap in gaps:
        name = rules.name(gap.kind)
        if gap.problem == "expired":
            en_parts.append(f"your {name.en} ({gap.kind}) expired on {gap.expired_on}")
            zh_parts.append(f"您的{name.zh}已于 {gap.expired_on} 过期")
        elif gap.problem == "not_yet_valid":
            en_parts.append(f"your {name.en} ({gap.kind}) is valid only from {gap.valid_from}")
            zh_parts.append(f"您的{name.zh}自 {gap.valid_from} 起才生效")
        else:
            en_parts.append(f"no {name.en} ({gap.kind}) is on record for you")
            zh_parts.append(f"系统中没有您的{name.zh}")
    raise PermissionDenied(
        f"You may not {action} this {product_line} claim: {'; '.join(en_parts)}. "
        "Renew or obtain the certificate and have a compliance officer record it "
        f"(`claimdesk staff certify {username} --kind KIND --expires YYYY-MM-DD` or "
        f"POST /api/v1/compliance/staff/{user_id}/qualifications); meanwhile a qualified "
        f"colleague can take the claim. 无法{_ZH_ACTIONS.get(action, action)}此理赔："
        f"{'；'.join(zh_parts)}。请更新或取得证书并由合规人员登记后再操作。",
        details=[
            {
                "kind": gap.kind,
                "problem": gap.problem,
                "expired_on": gap.expired_on.isoformat() if gap.expired_on else None,
                "valid_from": gap.valid_from.isoformat() if gap.valid_from else None,
            }
            for gap in gaps
        ],
    )


_ZH_ACTIONS = {"assess": "定损", "approve": "核赔批准", "deny": "拒赔"}


@dataclass(frozen=True)
class Expiry:
    state: str  # valid, expiring, expired
    days_left: int | None


def expiry(expires_on: date | None, today: date, warn_days: int) -> Expiry:
    """Whether a certificate is expired, expiring within ``warn_days`` or valid."""
    if expires_on is None:
        return Expiry("valid", None)
    days_left = (expires_on - today).days
    if days_left < 0:
        return Expiry("expired", days_left)
    if expires_on <= today + timedelta(days=warn_days):
        return Expiry("expiring", days_left)
    return Expiry("valid", days_left)


_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class TrainingStanding:
    year: int
    hours: Decimal
    required: Decimal

    @property
    def shortfall(self) -> Decimal:
        return max(self.required - self.hours, Decimal("0")).quantize(_TENTH)

    @property
    def met(self) -> bool:
        return self.hours >= self.required


def training_standing(
    hours_by_date: Iterable[tuple[date, Decimal]], year: int, required: Decimal
) -> TrainingStanding:
    """Hours completed in calendar ``year`` against the yearly requirement."""
    total = sum((hours for day, hours in hours_by_date if day.year == year), Decimal("0"))
    return TrainingStanding(year, total.quantize(_TENTH), required.quantize(_TENTH))
