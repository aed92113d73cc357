"""The claim aggregate decides a lifecycle step without a database: ``Claim.apply`` checks,
changes the claim and returns past-tense events; the service records what they mean
outside it. And no module outside ``claims/`` changes a claim's state by itself."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import claimdesk
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.events import (
    ClaimAssessed,
    ClaimTransitioned,
    InvestigationClosed,
    PaymentIssued,
)
from claimdesk.claims.models import Claim, LossLine
from claimdesk.claims.rules import DecisionFacts, Limits, Payee
from claimdesk.claims.schemas import TransitionIn
from claimdesk.core.errors import InvalidTransition, StaleVersion, ValidationFailed
from claimdesk.documents.rules import Completeness
from claimdesk.fraud.enums import InvestigationOutcome
from claimdesk.policies.models import Policy
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
ADJUSTER = Actor(user_id=7, role=Role.ADJUSTER)
SUPERVISOR = Actor(user_id=9, role=Role.SUPERVISOR)
LIMITS = Limits(
    authority_limits={"adjuster": Decimal("10000")},
    segregation_threshold=Decimal("50000"),
    waiver_roles=("supervisor",),
)


def a_claim(status: ClaimStatus, **fields: object) -> Claim:
    claim = Claim(
        id=41,
        number="CLM202611020000041",
        customer_id=3,
        claim_type="outpatient",
        claimed_amount=Decimal("800.00"),
        currency="CNY",
        status=status,
        version=4,
        siu_referred=False,
        approved_amount=Decimal("0"),
        paid_amount=Decimal("0"),
        waived_documents=[],
        loss_lines=[
            LossLine(
                coverage_code="outpatient",
                description="Consultation",
                amount=Decimal("800.00"),
                source="claimant",
            )
        ],
        events=[],
        payments=[],
        policy=Policy(holder_id=2),
    )
    for name, value in fields.items():
        setattr(claim, name, value)
    return claim


def test_assessing_returns_the_assessment_and_the_transition_in_that_order() -> None:
    claim = a_claim(ClaimStatus.UNDER_REVIEW)

    events = claim.apply(
        TransitionIn(action=ClaimAction.ASSESS), actor=ADJUSTER, now=NOW,
        facts=DecisionFacts(), limits=LIMITS,
    )  # fmt: skip

    assert [type(e) for e in events] == [ClaimAssessed, ClaimTransitioned]
    assessed, moved = events
    assert isinstance(assessed, ClaimAssessed) and isinstance(moved, ClaimTransitioned)
    assert assessed.amount == Decimal("800.00")
    assert (moved.from_status, moved.to_status) == (ClaimStatus.UNDER_REVIEW, ClaimStatus.ASSESSED)
    assert moved.data == {"assessed_amount": "800.00"}
    assert claim.status == ClaimStatus.ASSESSED
    assert claim.assessed_at == NOW and claim.assessor_id == ADJUSTER.user_id
    assert claim.events == []  # the service writes the step's timeline entry


def test_ending_an_investigation_returns_its_outcome_after_the_transition() -> None:
    claim = a_claim(ClaimStatus.INVESTIGATING)

    events = claim.apply(
        TransitionIn(action=ClaimAction.ASSESS, investigation_outcome="cleared"),
        actor=SUPERVISOR, now=NOW, facts=DecisionFacts(), limits=LIMITS,
    )  # fmt: skip

    closed = events[-1]
    assert isinstance(events[-2], ClaimTransitioned)
    assert isinstance(closed, InvestigationClosed)
    assert closed.outcome == InvestigationOutcome.CLEARED
    assert claim.investigation_outcome == InvestigationOutcome.CLEARED


def test_a_refused_step_leaves_the_claim_as_it_was() -> None:
    claim = a_claim(ClaimStatus.UNDER_REVIEW)

    with pytest.raises(InvalidTransition):
        claim.apply(
            TransitionIn(action=ClaimAction.PAY), actor=ADJUSTER, now=NOW,
            facts=DecisionFacts(), limits=LIMITS,
        )  # fmt: skip

    assert claim.status == ClaimStatus.UNDER_REVIEW
    assert claim.paid_amount == 0 and claim.payments == []


def test_a_stale_version_is_refused() -> None:
    with pytest.raises(StaleVersion):
        a_claim(ClaimStatus.UNDER_REVIEW).check_version(3)


def test_paying_more_than_is_outstanding_is_refused_before_money_moves() -> None:
    claim = a_claim(ClaimStatus.APPROVED, approved_amount=Decimal("500.00"), bank_account_id=5)

    with pytest.raises(ValidationFailed, match="exceed the outstanding"):
        claim.apply(
            TransitionIn(action=ClaimAction.PAY, amount=Decimal("600.00")),
            actor=ADJUSTER, now=NOW, facts=DecisionFacts(), limits=LIMITS, payment_key="k1",
        )  # fmt: skip

    assert claim.payments == [] and claim.paid_amount == 0


def test_paying_the_balance_issues_a_payment_and_settles_the_claim() -> None:
    claim = a_claim(ClaimStatus.APPROVED, approved_amount=Decimal("500.00"), bank_account_id=5)
    facts = DecisionFacts(
        required_documents=(),
        evidence=Completeness(required=()),
        payee=Payee(id=5, customer_id=3, verified=True),
    )

    events = claim.apply(
        TransitionIn(action=ClaimAction.PAY), actor=ADJUSTER, now=NOW, facts=facts,
        limits=LIMITS, payment_key="approval-1:balance",
    )  # fmt: skip

    issued, moved = events
    assert isinstance(issued, PaymentIssued) and isinstance(moved, ClaimTransitioned)
    assert issued.amount == Decimal("500.00") and issued.bank_account_id == 5
    assert moved.to_status == ClaimStatus.PAID
    assert claim.payments[0].idempotency_key == "approval-1:balance"
    assert claim.outstanding_amount == 0
    assert "payment_key" not in moved.data  # it is on the payment row


def test_a_payee_of_someone_else_is_refused() -> None:
    claim = a_claim(ClaimStatus.APPROVED, approved_amount=Decimal("500.00"), bank_account_id=5)
    facts = DecisionFacts(payee=Payee(id=5, customer_id=99, verified=True))

    with pytest.raises(ValidationFailed, match="does not belong to the claimant"):
        claim.apply(
            TransitionIn(action=ClaimAction.PAY), actor=ADJUSTER, now=NOW, facts=facts,
            limits=LIMITS, payment_key="k",
        )  # fmt: skip

    assert claim.payments == [] and claim.status == ClaimStatus.APPROVED


def _status_writes_outside_claims() -> list[str]:
    """Assignments to a claim's ``status`` and calls of its ``enter``/``apply`` in modules
    outside ``claimdesk/claims``: they must go through ``claims.service.transition``."""
    package = Path(claimdesk.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] == "claims":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            writes = [
                t
                for t in targets
                if isinstance(t, ast.Attribute)
                and t.attr == "status"
                and isinstance(t.value, ast.Name)
                and "claim" in t.value.id.lower()
            ]
            calls = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("enter", "apply")
                and isinstance(node.func.value, ast.Name)
                and "claim" in node.func.value.id.lower()
            )
            if writes or calls:
                found.append(f"{path.relative_to(package)}:{getattr(node, 'lineno', '?')}")
    return found


def test_no_module_outside_claims_changes_a_claims_state_by_itself() -> None:
    assert _status_writes_outside_claims() == []
