"""Pure payout calculator for a claim against one policy.

No I/O, no database, no web framework: the caller passes the policy terms, the incident
date, the loss items and what earlier claims on the same policy already used in this
policy period, and gets back an explained result.

Money is always :class:`decimal.Decimal`. Every step rounds its result to cents with
``ROUND_HALF_UP`` (:func:`to_cents`) at the end of the step, never in between. Claimed item
amounts are taken to cents on intake.

Order of the calculation
------------------------
1. Per loss item, in the order given (the first check that zeroes an item ends its checks):

   a. the incident date is outside the policy period (before ``start_date`` or after the
      inclusive ``end_date``) -> 0 (``outside_policy_period``);
   b. the item's coverage code is not one of the policy's coverages -> 0 (``not_covered``);
   c. any of the item's cause codes is an exclusion of the coverage or a general exclusion
      of the policy -> 0 (``excluded``, the matching codes are named);
   d. the incident falls in the coverage's waiting period, i.e.
      ``incident_date < start_date + waiting_period_days`` -> 0 (``waiting_period``);
   e. the coverage's per-item limit caps the amount (``per_item_limit``, only when it bites).

   What is left is the item's *eligible* amount.

2. Per coverage, in the order in which coverages first appear among the items (every
   coverage that has items appears in the result, also uncovered codes, with zeros):

   a. eligible = sum of its items' eligible amounts; if it is 0 nothing else happens;
   b. deductible: remaining = ``deductible`` minus, for an ``annual`` deductible, the part
      already used by earlier claims in the period (floored at 0); the deductible applied
      is ``min(eligible, remaining)`` (``deductible``);
   c. co-payment: the insured bears ``to_cents(after_deductible * copay_ratio)``
      (``copay``);
   d. annual limit: remaining = ``annual_limit`` minus what earlier claims were paid under
      this coverage in the period (floored at 0); payable = ``min(payable, remaining)``
      (``annual_limit``, only when it bites).

3. Per claim: remaining sum insured = ``sum_insured - prior.paid_total`` (floored at 0);
   total payable = ``min(sum of coverage payables, remaining sum insured)``
   (``sum_insured_cap``, only when it bites). When the cap bites the remaining sum insured
   is handed out to the coverages in coverage order: the first ones keep their payable,
   later ones are reduced (each reduction is a ``sum_insured_cap`` step of that coverage),
   so the coverage payables always add up to the total.

Every step that changes an amount, including every zeroing step, is recorded as a
:class:`PayoutStep` with an English and a Simplified Chinese sentence naming the figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "CoverageResult",
    "CoverageTerms",
    "ItemResult",
    "LossItem",
    "PayoutResult",
    "PayoutStep",
    "PolicyTerms",
    "PriorUsage",
    "calculate_payout",
    "to_cents",
]

_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_DEDUCTIBLE_BASES = ("per_claim", "annual")


def to_cents(amount: Decimal) -> Decimal:
    """Round ``amount`` to 0.01 with ROUND_HALF_UP."""
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- terms


@dataclass(frozen=True)
class CoverageTerms:
    """One coverage (benefit) of a policy."""

    code: str
    name_en: str
    name_zh: str
    deductible: Decimal
    deductible_basis: str  # "per_claim" or "annual"
    copay_ratio: Decimal  # share borne by the insured after the deductible, 0..1
    per_item_limit: Decimal | None
    annual_limit: Decimal | None
    waiting_period_days: int
    exclusions: frozenset[str]


@dataclass(frozen=True)
class PolicyTerms:
    """The terms of one policy for one policy period."""

    start_date: date
    end_date: date  # inclusive
    sum_insured: Decimal
    currency: str
    coverages: Mapping[str, CoverageTerms]
    exclusions: frozenset[str]  # general exclusions, apply to every coverage


@dataclass(frozen=True)
class LossItem:
    """One claimed loss line."""

    ref: str
    coverage_code: str
    description: str
    amount: Decimal
    cause_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PriorUsage:
    """What earlier paid/approved claims on the policy used in this policy period."""

    paid_total: Decimal = Decimal("0")
    paid_by_coverage: Mapping[str, Decimal] = field(default_factory=dict)
    deductible_used_by_coverage: Mapping[str, Decimal] = field(default_factory=dict)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PayoutStep:
    """One explained change of an amount."""

    code: str
    subject: str  # item ref, coverage code or "claim"
    amount_before: Decimal
    amount_after: Decimal
    message_en: str
    message_zh: str

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "subject": self.subject,
            "amount_before": _money_str(self.amount_before),
            "amount_after": _money_str(self.amount_after),
            "message_en": self.message_en,
            "message_zh": self.message_zh,
        }


@dataclass(frozen=True)
class ItemResult:
    ref: str
    coverage_code: str
    claimed: Decimal
    eligible: Decimal
    steps: tuple[PayoutStep, ...]


@dataclass(frozen=True)
class CoverageResult:
    code: str
    eligible: Decimal
    deductible_applied: Decimal
    copay: Decimal
    payable: Decimal
    steps: tuple[PayoutStep, ...]


@dataclass(frozen=True)
class PayoutResult:
    currency: str
    total_claimed: Decimal
    total_payable: Decimal
    items: tuple[ItemResult, ...]
    coverages: tuple[CoverageResult, ...]
    steps: tuple[PayoutStep, ...]  # claim-level steps (sum insured cap)

    def all_steps(self) -> list[PayoutStep]:
        """Items' steps, then coverages' steps, then the claim's steps, in order."""
        result: list[PayoutStep] = []
        for item in self.items:
            result.extend(item.steps)
        for coverage in self.coverages:
            result.extend(coverage.steps)
        result.extend(self.steps)
        return result

    def payable_by_coverage(self) -> dict[str, Decimal]:
        return {coverage.code: coverage.payable for coverage in self.coverages}

    def deductible_by_coverage(self) -> dict[str, Decimal]:
        return {coverage.code: coverage.deductible_applied for coverage in self.coverages}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: money as strings with two decimals, e.g. ``"1234.50"``."""
        return {
            "currency": self.currency,
            "total_claimed": _money_str(self.total_claimed),
            "total_payable": _money_str(self.total_payable),
            "items": [
                {
                    "ref": item.ref,
                    "coverage_code": item.coverage_code,
                    "claimed": _money_str(item.claimed),
                    "eligible": _money_str(item.eligible),
                    "steps": [step.to_dict() for step in item.steps],
                }
                for item in self.items
            ],
            "coverages": [
                {
                    "code": coverage.code,
                    "eligible": _money_str(coverage.eligible),
                    "deductible_applied": _money_str(coverage.deductible_applied),
                    "copay": _money_str(coverage.copay),
                    "payable": _money_str(coverage.payable),
                    "steps": [step.to_dict() for step in coverage.steps],
                }
                for coverage in self.coverages
            ],
            "steps": [step.to_dict() for step in self.steps],
        }


# --------------------------------------------------------------------------- calculation


def calculate_payout(
    terms: PolicyTerms,
    incident_date: date,
    items: Sequence[LossItem],
    prior: PriorUsage = PriorUsage(),
) -> PayoutResult:
    """Calculate what the insurer pays for ``items``; see the module docstring for the order.

    Raises ``ValueError`` for a non-positive (or non-finite) item amount, a coverage whose
    co-pay ratio is outside [0, 1], an unknown deductible basis or negative terms figures.
    """
    _validate_terms(terms)
    for item in items:
        if not item.amount.is_finite() or item.amount <= 0:
            raise ValueError(
                f"loss item {item.ref!r}: amount must be a positive amount, got {item.amount}"
            )

    fmt = _Formatter(terms.currency)

    # 1. per item
    item_results = [_evaluate_item(terms, incident_date, item, fmt) for item in items]

    # 2. per coverage, in order of first appearance
    coverage_order: list[str] = []
    eligible_by_coverage: dict[str, Decimal] = {}
    for item_result in item_results:
        code = item_result.coverage_code
        if code not in eligible_by_coverage:
            coverage_order.append(code)
            eligible_by_coverage[code] = _ZERO
        eligible_by_coverage[code] += item_result.eligible

    coverage_results = [
        _evaluate_coverage(terms.coverages.get(code), code, eligible_by_coverage[code], prior, fmt)
        for code in coverage_order
    ]

    # 3. per claim
    total_claimed = sum((result.claimed for result in item_results), _ZERO)
    payable_sum = sum((result.payable for result in coverage_results), _ZERO)
    remaining_sum_insured = max(_ZERO, to_cents(terms.sum_insured - prior.paid_total))
    claim_steps: list[PayoutStep] = []
    total_payable = payable_sum
    if payable_sum > remaining_sum_insured:
        total_payable = remaining_sum_insured
        if prior.paid_total > 0:
            detail_en = (
                f" (sum insured {fmt.en(terms.sum_insured)}, {fmt.en(prior.paid_total)} "
                f"already paid this policy period)"
            )
            detail_zh = (
                f"（保额 {fmt.zh(terms.sum_insured)}，本保险期间已赔付 {fmt.zh(prior.paid_total)}）"
            )
        else:
            detail_en = detail_zh = ""
        claim_steps.append(
            PayoutStep(
                code="sum_insured_cap",
                subject="claim",
                amount_before=payable_sum,
                amount_after=total_payable,
                message_en=(
                    f"Capped at the remaining sum insured of {fmt.en(remaining_sum_insured)}"
                    f"{detail_en}: {fmt.arrow(payable_sum, total_payable)}"
                ),
                message_zh=(
                    f"以剩余保额 {fmt.zh(remaining_sum_insured)}为限{detail_zh}："
                    f"{fmt.arrow(payable_sum, total_payable)}"
                ),
            )
        )
        coverage_results = _allocate_cap(coverage_results, remaining_sum_insured, fmt)

    return PayoutResult(
        currency=terms.currency,
        total_claimed=total_claimed,
        total_payable=total_payable,
        items=tuple(item_results),
        coverages=tuple(coverage_results),
        steps=tuple(claim_steps),
    )


def _validate_terms(terms: PolicyTerms) -> None:
    if terms.sum_insured < 0:
        raise ValueError(f"sum_insured must not be negative, got {terms.sum_insured}")
    for code, coverage in terms.coverages.items():
        if not Decimal(0) <= coverage.copay_ratio <= Decimal(1):
            raise ValueError(
                f"coverage {code!r}: copay_ratio must be between 0 and 1, "
                f"got {coverage.copay_ratio}"
            )
        if coverage.deductible_basis not in _DEDUCTIBLE_BASES:
            raise ValueError(
                f"coverage {code!r}: deductible_basis must be 'per_claim' or 'annual', "
                f"got {coverage.deductible_basis!r}"
            )
        figures = {
            "deductible": coverage.deductible,
            "per_item_limit": coverage.per_item_limit,
            "annual_limit": coverage.annual_limit,
            "waiting_period_days": coverage.waiting_period_days,
        }
        for name, value in figures.items():
            if value is not None and value < 0:
                raise ValueError(f"coverage {code!r}: {name} must not be negative, got {value}")


def _evaluate_item(
    terms: PolicyTerms, incident_date: date, item: LossItem, fmt: _Formatter
) -> ItemResult:
    claimed = to_cents(item.amount)

    def zeroed(code: str, message_en: str, message_zh: str) -> ItemResult:
        arrow = fmt.arrow(claimed, _ZERO)
        step = PayoutStep(
            code=code,
            subject=item.ref,
            amount_before=claimed,
            amount_after=_ZERO,
            message_en=f"{message_en}; not payable: {arrow}",
            message_zh=f"{message_zh}，不予赔付：{arrow}",
        )
        return ItemResult(item.ref, item.coverage_code, claimed, _ZERO, (step,))

    if incident_date < terms.start_date or incident_date > terms.end_date:
        return zeroed(
            "outside_policy_period",
            f"Incident date {incident_date.isoformat()} is outside the policy period "
            f"{terms.start_date.isoformat()} to {terms.end_date.isoformat()}",
            f"出险日期 {incident_date.isoformat()} 不在保险期间 "
            f"{terms.start_date.isoformat()} 至 {terms.end_date.isoformat()} 内",
        )

    coverage = terms.coverages.get(item.coverage_code)
    if coverage is None:
        return zeroed(
            "not_covered",
            f"Coverage '{item.coverage_code}' is not part of this policy",
            f"本保单不包含保障责任“{item.coverage_code}”",
        )

    matched = sorted(item.cause_codes & (coverage.exclusions | terms.exclusions))
    if matched:
        codes = ", ".join(matched)
        return zeroed(
            "excluded",
            f"Excluded from {coverage.name_en} (exclusion: {codes})",
            f"属于{coverage.name_zh}的除外责任（除外事由：{codes}）",
        )

    first_payable_date = terms.start_date + timedelta(days=coverage.waiting_period_days)
    if incident_date < first_payable_date:
        return zeroed(
            "waiting_period",
            f"Incident date {incident_date.isoformat()} is within the "
            f"{coverage.waiting_period_days}-day waiting period of {coverage.name_en} "
            f"(payable for incidents from {first_payable_date.isoformat()})",
            f"出险日期 {incident_date.isoformat()} 在{coverage.name_zh} "
            f"{coverage.waiting_period_days} 天等待期内（{first_payable_date.isoformat()} "
            f"起出险方可赔付）",
        )

    eligible = claimed
    steps: list[PayoutStep] = []
    if coverage.per_item_limit is not None:
        limited = to_cents(min(eligible, coverage.per_item_limit))
        if limited < eligible:
            steps.append(
                PayoutStep(
                    code="per_item_limit",
                    subject=item.ref,
                    amount_before=eligible,
                    amount_after=limited,
                    message_en=(
                        f"Per-item limit of {fmt.en(coverage.per_item_limit)} for "
                        f"{coverage.name_en}: {fmt.arrow(eligible, limited)}"
                    ),
                    message_zh=(
                        f"{coverage.name_zh}单项赔付限额 {fmt.zh(coverage.per_item_limit)}："
                        f"{fmt.arrow(eligible, limited)}"
                    ),
                )
            )
            eligible = limited
    return ItemResult(item.ref, item.coverage_code, claimed, eligible, tuple(steps))


def _evaluate_coverage(
    coverage: CoverageTerms | None,
    code: str,
    eligible: Decimal,
    prior: PriorUsage,
    fmt: _Formatter,
) -> CoverageResult:
    if coverage is None or eligible <= 0:
        return CoverageResult(code, eligible, _ZERO, _ZERO, _ZERO, ())

    steps: list[PayoutStep] = []
    amount = eligible

    # deductible
    used = _ZERO
    if coverage.deductible_basis == "annual":
        used = prior.deductible_used_by_coverage.get(code, _ZERO)
    remaining_deductible = max(_ZERO, coverage.deductible - used)
    after_deductible = to_cents(amount - min(amount, remaining_deductible))
    deductible_applied = amount - after_deductible
    if deductible_applied > 0:
        if coverage.deductible_basis == "annual" and used > 0:
            detail_en = (
                f" (annual deductible {fmt.en(coverage.deductible)}, "
                f"{fmt.en(used)} already used this policy period)"
            )
            detail_zh = (
                f"（年度免赔额 {fmt.zh(coverage.deductible)}，本保险期间已使用 {fmt.zh(used)}）"
            )
        elif deductible_applied < coverage.deductible:
            detail_en = (
                f" (deductible {fmt.en(coverage.deductible)}, limited to the eligible amount)"
            )
            detail_zh = f"（免赔额 {fmt.zh(coverage.deductible)}，以可赔金额为限）"
        else:
            detail_en = detail_zh = ""
        steps.append(
            PayoutStep(
                code="deductible",
                subject=code,
                amount_before=amount,
                amount_after=after_deductible,
                message_en=(
                    f"Deductible of {fmt.en(deductible_applied)} applied{detail_en}: "
                    f"{fmt.arrow(amount, after_deductible)}"
                ),
                message_zh=(
                    f"扣除免赔额 {fmt.zh(deductible_applied)}{detail_zh}："
                    f"{fmt.arrow(amount, after_deductible)}"
                ),
            )
        )
    amount = after_deductible

    # co-payment
    copay = to_cents(amount * coverage.copay_ratio)
    if copay > 0:
        after_copay = amount - copay
        percent = _percent(coverage.copay_ratio)
        steps.append(
            PayoutStep(
                code="copay",
                subject=code,
                amount_before=amount,
                amount_after=after_copay,
                message_en=(
                    f"Co-payment of {percent}% borne by the insured ({fmt.en(copay)}): "
                    f"{fmt.arrow(amount, after_copay)}"
                ),
                message_zh=(
                    f"被保险人自付比例 {percent}%（自付 {fmt.zh(copay)}）："
                    f"{fmt.arrow(amount, after_copay)}"
                ),
            )
        )
        amount = after_copay

    # annual limit
    if coverage.annual_limit is not None:
        paid = prior.paid_by_coverage.get(code, _ZERO)
        remaining_limit = max(_ZERO, to_cents(coverage.annual_limit - paid))
        if amount > remaining_limit:
            if paid > 0:
                detail_en = (
                    f" ({fmt.en(paid)} already paid this policy period, "
                    f"{fmt.en(remaining_limit)} remaining)"
                )
                detail_zh = f"（本保险期间已赔付 {fmt.zh(paid)}，剩余 {fmt.zh(remaining_limit)}）"
            else:
                detail_en = detail_zh = ""
            steps.append(
                PayoutStep(
                    code="annual_limit",
                    subject=code,
                    amount_before=amount,
                    amount_after=remaining_limit,
                    message_en=(
                        f"Annual limit of {fmt.en(coverage.annual_limit)} for "
                        f"{coverage.name_en}{detail_en}: {fmt.arrow(amount, remaining_limit)}"
                    ),
                    message_zh=(
                        f"{coverage.name_zh}年度赔付限额 {fmt.zh(coverage.annual_limit)}"
                        f"{detail_zh}：{fmt.arrow(amount, remaining_limit)}"
                    ),
                )
            )
            amount = remaining_limit

    return CoverageResult(code, eligible, deductible_applied, copay, amount, tuple(steps))


def _allocate_cap(
    coverage_results: list[CoverageResult], available: Decimal, fmt: _Formatter
) -> list[CoverageResult]:
    """Hand ``available`` out to the coverages in order; later coverages are reduced."""
    allocated: list[CoverageResult] = []
    left = available
    for result in coverage_results:
        kept = min(result.payable, left)
        left -= kept
        if kept < result.payable:
            step = PayoutStep(
                code="sum_insured_cap",
                subject=result.code,
                amount_before=result.payable,
                amount_after=kept,
                message_en=(
                    f"Reduced because the remaining sum insured of {fmt.en(available)} is "
                    f"exhausted (coverages are paid in claim order): "
                    f"{fmt.arrow(result.payable, kept)}"
                ),
                message_zh=(
                    f"剩余保额 {fmt.zh(available)} 不足，按保障责任顺序赔付后削减："
                    f"{fmt.arrow(result.payable, kept)}"
                ),
            )
            result = CoverageResult(
                code=result.code,
                eligible=result.eligible,
                deductible_applied=result.deductible_applied,
                copay=result.copay,
                payable=kept,
                steps=(*result.steps, step),
            )
        allocated.append(result)
    return allocated


# --------------------------------------------------------------------------- formatting


def _money_str(amount: Decimal) -> str:
    return format(to_cents(amount), "f")


def _grouped(amount: Decimal) -> str:
    return f"{to_cents(amount):,.2f}"


def _percent(ratio: Decimal) -> str:
    return format((ratio * 100).normalize(), "f")


class _Formatter:
    def __init__(self, currency: str) -> None:
        self.currency = currency

    def en(self, amount: Decimal) -> str:
        return f"{_grouped(amount)} {self.currency}"

    def zh(self, amount: Decimal) -> str:
        if self.currency == "CNY":
            return f"{_grouped(amount)} 元"
        return f"{_grouped(amount)} {self.currency}"

    @staticmethod
    def arrow(before: Decimal, after: Decimal) -> str:
        return f"{_grouped(before)} → {_grouped(after)}"
