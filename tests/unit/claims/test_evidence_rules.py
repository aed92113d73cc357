"""Evidence before money, as pure rules: gaps, waivers, duties, payee proof, STP evidence."""

from decimal import Decimal

import pytest

from claimdesk.claims import rules
from claimdesk.core.errors import EvidenceMissing, PermissionDenied, ValidationFailed
from claimdesk.documents.enums import DocumentStatus
from claimdesk.documents.rules import Completeness, DocumentFacts, Mismatch
from claimdesk.security.enums import Role

REQUIRED = ("id_card", "itemised_invoice", "bank_account_proof")


def doc(id_: int, kind: str, status: DocumentStatus) -> DocumentFacts:
    return DocumentFacts(id_, f"{kind}.pdf", status, kind, None, {})


def completeness(**fields) -> Completeness:
    return Completeness(required=REQUIRED, **fields)


def test_each_required_kind_gets_its_problem():
    state = completeness(
        present={"bank_account_proof": [3]},
        pending=[doc(1, "id_card", DocumentStatus.RECEIVED)],
        unreadable=[doc(2, "itemised_invoice", DocumentStatus.UNREADABLE)],
        mismatched=[Mismatch(3, "bank_account_proof", "patient_name", "X", "c", "en", "zh")],
    )
    gaps = rules.evidence_gaps(state, required=REQUIRED)
    assert [(g.kind, g.problem, g.document_id) for g in gaps] == [
        ("id_card", "pending", 1),
        ("itemised_invoice", "unreadable", 2),
        ("bank_account_proof", "mismatched", 3),
    ]
    assert [g.kind for g in rules.submission_gaps(state, required=REQUIRED)] == [
        "id_card",
        "itemised_invoice",
    ]


def test_waived_kinds_are_not_gaps_and_no_gaps_let_money_move():
    gaps = rules.evidence_gaps(completeness(), required=REQUIRED, waived=REQUIRED)
    assert gaps == []
    rules.require_evidence(gaps, action="approve")


def test_the_refusal_names_every_gap_in_both_languages():
    gaps = rules.evidence_gaps(completeness(), required=REQUIRED)
    with pytest.raises(EvidenceMissing) as refused:
        rules.require_evidence(gaps, action="pay")
    assert refused.value.code == "evidence_missing"
    assert "id_card (missing)" in refused.value.message
    assert "无法支付" in refused.value.message
    assert [d["kind"] for d in refused.value.details] == list(REQUIRED)


@pytest.mark.parametrize(
    ("role", "kinds", "reason", "error"),
    [
        (Role.SENIOR_ADJUSTER, ["id_card"], "seen", PermissionDenied),
        (Role.SUPERVISOR, ["repair_estimate"], "seen", ValidationFailed),
        (Role.SUPERVISOR, ["id_card"], "  ", ValidationFailed),
    ],
)
def test_a_waiver_needs_authority_a_required_kind_and_a_reason(role, kinds, reason, error):
    with pytest.raises(error):
        rules.check_waiver(
            role=role, waiver_roles=["supervisor"], kinds=kinds, required=REQUIRED, reason=reason
        )


def test_high_risk_needs_siu_clearance_or_a_supervisor_with_a_reason():
    with pytest.raises(PermissionDenied):
        rules.check_high_risk_approval(
            grade="high", cleared_by_siu=False, role=Role.SENIOR_ADJUSTER, reason="ok"
        )
    with pytest.raises(PermissionDenied):
        rules.check_high_risk_approval(
            grade="critical", cleared_by_siu=False, role=Role.SUPERVISOR, reason=None
        )
    rules.check_high_risk_approval(
        grade="high", cleared_by_siu=True, role=Role.ADJUSTER, reason=None
    )
    rules.check_high_risk_approval(
        grade="critical", cleared_by_siu=False, role=Role.SUPERVISOR, reason="checked"
    )
    rules.check_high_risk_approval(
        grade="medium", cleared_by_siu=False, role=Role.ADJUSTER, reason=None
    )


def test_the_approver_releases_only_payments_up_to_the_threshold():
    limit = Decimal("10000")
    rules.check_segregation(approver_id=7, payer_id=7, amount=limit, threshold=limit)
    rules.check_segregation(approver_id=7, payer_id=8, amount=limit * 5, threshold=limit)
    with pytest.raises(PermissionDenied, match="Segregation of duties"):
        rules.check_segregation(approver_id=7, payer_id=7, amount=limit + 1, threshold=limit)


def test_a_bank_proof_verifies_the_account_with_the_same_digits_and_holder():
    account = "6222020000000077"
    assert rules.check_bank_proof(
        proof_number="6222 0200 0000 0077",
        proof_holder="Wu  Qing",
        account_number=account,
        holder_names=["吴晴", "Qing Wu"],
    )
    assert not rules.check_bank_proof(
        proof_number="6222020000000078",
        proof_holder="吴晴",
        account_number=account,
        holder_names=["吴晴"],
    )
    assert not rules.check_bank_proof(
        proof_number=account,
        proof_holder="Someone Else",
        account_number=account,
        holder_names=["吴晴"],
    )


def test_straight_through_needs_its_types_papers_and_invoices_matching_the_lines():
    rule = rules.parse_stp_evidence(
        'amount_tolerance = "0.02"\n[claim_types.outpatient]\n'
        'read = ["itemised_invoice"]\ninvoice = ["itemised_invoice"]\n'
    )["outpatient"]
    read = completeness(present={"itemised_invoice": [1]}, invoiced_total=Decimal("1010.00"))
    assert rules.stp_evidence_gaps(rule, read, claimed=Decimal("1000.00")) == []
    far = completeness(present={"itemised_invoice": [1]}, invoiced_total=Decimal("1100.00"))
    assert [g.problem for g in rules.stp_evidence_gaps(rule, far, claimed=Decimal("1000"))] == [
        "amount_differs"
    ]
    assert [g.problem for g in rules.stp_evidence_gaps(None, read, claimed=Decimal("1"))] == [
        "no_stp_rule"
    ]
    assert set(rules.stp_evidence_rules()) >= {"outpatient", "inpatient", "accidental_medical"}
