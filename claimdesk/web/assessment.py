"""The workbench's assessment in the page: the loss-line editor's rows read from a form,
the payout preview on lines as typed (the claims service's calculation, nothing kept),
and the warnings and limits the claim page shows before money moves.

Thin: every rule comes from the claims package (payout calculation, evidence gaps,
authority limits); this module only reads forms and arranges what the page shows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from claimdesk.claims import rules as claim_rules
from claimdesk.claims import service as claims
from claimdesk.claims.models import Claim
from claimdesk.claims.payout import LossItem, PayoutResult
from claimdesk.claims.schemas import LossLineIn
from claimdesk.config import Settings
from claimdesk.core.errors import PermissionDenied
from claimdesk.customers.service import get_customer
from claimdesk.documents.evidence import completeness_of
from claimdesk.security.service import Actor

# The editor's repeated fields, one value per row, in row order.
LINE_FIELDS = ("line_coverage", "line_description", "line_amount", "line_exclusion")
MAX_LINES = 50
MONEY_ACTIONS = frozenset({"approve", "pay"})


class LineError(ValueError):
    """A row of the editor that cannot be a loss line (the page names the row)."""

    def __init__(self, row: int, problem: str) -> None:
        super().__init__(f"loss line {row}: {problem}")
        self.row = row
        self.problem = problem  # "amount" or "description" or "too_many" or "none"


@dataclass(frozen=True)
class EditorRow:
    coverage_code: str
    description: str
    amount: str
    exclusion: str


def rows_of(form: FormData) -> list[EditorRow]:
    """The editor's rows as typed; a row with neither description nor amount is left out
    (a blank row, or one the handler emptied to remove it)."""
    columns = [[str(v) for v in form.getlist(name)] for name in LINE_FIELDS]
    count = max((len(c) for c in columns), default=0)

    def cell(column: list[str], index: int) -> str:
        return column[index].strip() if index < len(column) else ""

    rows = [EditorRow(*(cell(c, i) for c in columns)) for i in range(count)]
    return [r for r in rows if r.description or r.amount]


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return value


def lines_in(rows: list[EditorRow]) -> list[LossLineIn]:
    """The rows as the service's loss lines; the first bad row raises :class:`LineError`."""
    if not rows:
        raise LineError(0, "none")
    if len(rows) > MAX_LINES:
        raise LineError(MAX_LINES + 1, "too_many")
    lines = []
    for number, row in enumerate(rows, start=1):
        amount = _amount(row.amount)
        if amount is None or amount >= Decimal("1e12"):
            raise LineError(number, "amount")
        if not row.description or len(row.description) > 256:
            raise LineError(number, "description")
        lines.append(
            LossLineIn(
                coverage_code=row.coverage_code or None,
                description=row.description,
                amount=amount,
                cause_codes=[row.exclusion] if row.exclusion else [],
            )
        )
    return lines


def preview(session: Session, actor: Actor, claim: Claim, lines: list[LossLineIn]) -> PayoutResult:
    """The payout the claims service would calculate on these lines (nothing is kept):
    the policy's terms, the earlier claims' usage, the same calculation."""
    items = [
        LossItem(
            ref=f"line-{number}",
            coverage_code=line.coverage_code or claim.claim_type,
            description=line.description,
            amount=line.amount,
            cause_codes=frozenset(line.cause_codes),
        )
        for number, line in enumerate(lines, start=1)
    ]
    return claims.preview_payout(session, actor=actor, claim=claim, items=items)


def editor_rows(claim: Claim) -> list[EditorRow]:
    """The lines the editor starts with: the assessor's, else the claimant's."""
    return [
        EditorRow(
            line.coverage_code,
            line.description,
            f"{line.amount:.2f}",
            line.cause_codes[0] if line.cause_codes else "",
        )
        for line in claim.effective_loss_lines()
    ]


def exclusion_codes(claim: Claim) -> list[str]:
    """The exclusions a line of this claim can fall under: the product's general ones and
    every coverage's own."""
    product = claim.policy.product
    found = list(product.exclusions)
    for coverage in product.coverages:
        found.extend(coverage.exclusions)
    return list(dict.fromkeys(found))


def above_authority(actor: Actor, amount: Decimal, settings: Settings) -> Decimal | None:
    """The person's approval limit when ``amount`` is above it (the claims rule), else None.
    A role without any approval authority answers 0."""
    try:
        claim_rules.check_authority(actor.role, amount, settings.authority_limits)
    except PermissionDenied:
        return settings.authority_limits.get(actor.role) or Decimal(0)
    return None


def evidence_gaps(session: Session, claim: Claim) -> list[Any]:
    """What keeps money from moving on the claim's documents (the claims rule): required
    kinds missing, being read, unreadable or disagreeing with the claim, less those waived."""
    required = [d.kind for d in claims.documents_for(claim)]
    return claim_rules.evidence_gaps(
        completeness_of(session, claim), required=required, waived=claim.waived_documents
    )


def high_risk(risk: Any) -> bool:
    return risk is not None and risk.grade in claim_rules.HIGH_RISK_GRADES


def payee_accounts(session: Session, *, actor: Actor, claim: Claim) -> list[Any]:
    """The bank accounts a payment on the claim may go to: the claimant's and the policy
    holder's (the claims service checks the one chosen)."""
    found: dict[int, Any] = {}
    for customer_id in dict.fromkeys((claim.customer_id, claim.policy.holder_id)):
        customer = get_customer(session, actor=actor, customer_id=customer_id)
        found.update({a.id: a for a in customer.bank_accounts})
    return list(found.values())
