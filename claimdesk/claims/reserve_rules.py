"""Case reserves as pure rules: the initial reserve from the table in ``reserves.toml``,
what a change may be, what a payment and the end of a claim do to the reserve, and the
adequacy flags the KPIs count.

A reserve is what the insurer still expects to pay on a claim (outstanding); incurred is
what it paid plus that reserve.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from claimdesk.claims.enums import ClaimStatus
from claimdesk.core.errors import ValidationFailed

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_RESERVE = Decimal("999999999999.99")  # what a Money column holds (14 digits, 2 places)


class ReserveKind(StrEnum):
    """The steps of a reserve's history."""

    INITIAL = "initial"  # set at report from the table
    CHANGED = "changed"  # changed by a handler, with a reason
    PAID = "paid"  # lowered by a payment
    RELEASED = "released"  # to 0 when the claim was closed, denied or withdrawn
    REOPENED = "reopened"  # set again from the table when the claim was reopened


class AdequacyFlag(StrEnum):
    INCURRED_OVER_INITIAL = "incurred_over_initial"
    RESERVE_OVER_REMAINING = "reserve_over_remaining_sum_insured"
    UNCHANGED = "reserve_unchanged"


# The reserve is released when a claim enters one of these states.
RELEASING_STATES = frozenset({ClaimStatus.CLOSED, ClaimStatus.DENIED, ClaimStatus.WITHDRAWN})
# Open for the "unchanged" flag: not ended, not denied, not fully paid.
ENDED_STATES = frozenset(
    {
        ClaimStatus.CLOSED,
        ClaimStatus.ARCHIVED,
        ClaimStatus.WITHDRAWN,
        ClaimStatus.DENIED,
        ClaimStatus.PAID,
    }
)


@dataclass(frozen=True)
class ReserveRule:
    product: str  # product code or "*"
    claim_type: str  # coverage code or "*"
    basis: str  # "claimed" or "fixed"
    factor: Decimal = Decimal("1")
    minimum: Decimal = ZERO
    amount: Decimal = ZERO

    def matches(self, product: str, claim_type: str) -> bool:
        return self.product in ("*", product) and self.claim_type in ("*", claim_type)

    def describe(self) -> str:
        """The rule in a few words (kept in the history and the ledger)."""
        if self.basis == "fixed":
            return f"fixed {self.amount:.2f}"
        text = f"claimed x {self.factor}"
        return f"{text}, at least {self.minimum:.2f}" if self.minimum else text


@dataclass(frozen=True)
class Adequacy:
    incurred_over_initial_ratio: Decimal
    reserve_over_remaining_ratio: Decimal
    unchanged_days: int


@dataclass(frozen=True)
class ReserveTable:
    default: ReserveRule
    rules: tuple[ReserveRule, ...]
    adequacy: Adequacy

    def rule_for(self, product: str, claim_type: str) -> ReserveRule:
        return next((r for r in self.rules if r.matches(product, claim_type)), self.default)


def _decimal(value: Any, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise ValueError(f"reserves.toml: {field} is not a number: {value!r}") from exc


def _rule(entry: dict[str, Any], product: str = "*", claim_type: str = "*") -> ReserveRule:
    basis = entry.get("basis", "claimed")
    if basis not in ("claimed", "fixed"):
        raise ValueError(f"reserves.toml: basis must be 'claimed' or 'fixed', not {basis!r}")
    rule = ReserveRule(
        product=entry.get("product", product),
        claim_type=entry.get("claim_type", claim_type),
        basis=basis,
        factor=_decimal(entry.get("factor", "1"), "factor"),
        minimum=_decimal(entry.get("minimum", "0"), "minimum"),
        amount=_decimal(entry.get("amount", "0"), "amount"),
    )
    if rule.factor < 0 or rule.minimum < 0 or rule.amount < 0:
        raise ValueError("reserves.toml: factor, minimum and amount may not be negative")
    if basis == "fixed" and "amount" not in entry:
        raise ValueError("reserves.toml: a 'fixed' rule needs an amount")
    return rule


def parse_reserve_table(toml_text: str) -> ReserveTable:
    data = tomllib.loads(toml_text)
    adequacy = data.get("adequacy", {})
    return ReserveTable(
        default=_rule(data.get("default", {})),
        rules=tuple(_rule(entry) for entry in data.get("rules", [])),
        adequacy=Adequacy(
            incurred_over_initial_ratio=_decimal(
                adequacy.get("incurred_over_initial_ratio", "1.25"), "incurred_over_initial_ratio"
            ),
            reserve_over_remaining_ratio=_decimal(
                adequacy.get("reserve_over_remaining_ratio", "0.80"),
                "reserve_over_remaining_ratio",
            ),
            unchanged_days=int(adequacy.get("unchanged_days", 90)),
        ),
    )


@cache
def reserve_table() -> ReserveTable:
    text = resources.files("claimdesk.claims").joinpath("reserves.toml").read_text("utf-8")
    return parse_reserve_table(text)


def initial_reserve(rule: ReserveRule, *, claimed: Decimal, remaining: Decimal) -> Decimal:
    """The rule's reserve for a claim of ``claimed``, capped by the policy's remaining sum
    insured (never below 0)."""
    fixed = rule.basis == "fixed"
    amount = rule.amount if fixed else max(claimed * rule.factor, rule.minimum)
    return max(min(amount, remaining), ZERO).quantize(CENT)


def check_new_reserve(amount: Decimal, reason: str | None, *, current: Decimal) -> str:
    """A handler's change: an amount of 0 or more in cents, different from the current
    reserve, with a reason. Returns the reason, trimmed."""
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed(
            "A reserve cannot be negative; give 0 or more. / 准备金不能为负数。",
            details=[{"field": "amount"}],
        )
    if amount != amount.quantize(CENT) or amount > MAX_RESERVE:
        raise ValidationFailed(
            "Give the reserve in yuan and cents (at most two decimal places). "
            "/ 准备金金额最多两位小数。",
            details=[{"field": "amount"}],
        )
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationFailed(
            "Say why the reserve changes. / 请说明调整准备金的原因。",
            details=[{"field": "reason"}],
        )
    if amount == current:
        raise ValidationFailed(
            f"The reserve is already {current:.2f}; give a different amount. "
            f"/ 准备金已是 {current:.2f}，请输入不同的金额。",
            details=[{"field": "amount"}],
        )
    return text


def after_payment(reserve: Decimal, paid: Decimal) -> Decimal:
    """A payment lowers the outstanding reserve by what was paid, not below 0."""
    return max(reserve - paid, ZERO)


def reopened_reserve(
    rule: ReserveRule, *, claimed: Decimal, paid: Decimal, remaining: Decimal
) -> Decimal:
    """A reopened claim's reserve: the table's amount less what was already paid."""
    return max(initial_reserve(rule, claimed=claimed, remaining=remaining) - paid, ZERO)


@dataclass(frozen=True)
class ReserveFacts:
    """What the adequacy flags read of one claim."""

    status: str
    reserve: Decimal
    paid: Decimal
    initial: Decimal | None  # the first reserve set (None: never set)
    remaining_sum_insured: Decimal
    last_change_at: datetime | None


def adequacy_flags(facts: ReserveFacts, adequacy: Adequacy, *, now: datetime) -> list[AdequacyFlag]:
    """The adequacy flags of one claim now:

    - incurred (paid + reserve) above ``incurred_over_initial_ratio`` times the initial
      reserve (a claim with an initial reserve of 0 is measured against nothing: no flag);
    - outstanding reserve above ``reserve_over_remaining_ratio`` of the policy's remaining
      sum insured (a reserve of 0 never);
    - an open claim whose reserve was not set or changed for ``unchanged_days`` days.
    """
    flags: list[AdequacyFlag] = []
    incurred = facts.paid + facts.reserve
    if facts.initial and incurred > facts.initial * adequacy.incurred_over_initial_ratio:
        flags.append(AdequacyFlag.INCURRED_OVER_INITIAL)
    if facts.reserve > 0 and facts.reserve > (
        facts.remaining_sum_insured * adequacy.reserve_over_remaining_ratio
    ):
        flags.append(AdequacyFlag.RESERVE_OVER_REMAINING)
    if (
        facts.status not in ENDED_STATES
        and facts.last_change_at is not None
        and now - facts.last_change_at >= timedelta(days=adequacy.unchanged_days)
    ):
        flags.append(AdequacyFlag.UNCHANGED)
    return flags
