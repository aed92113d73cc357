"""No money without evidence: approvals and payments need the claim's documents read (or a
recorded waiver), high-risk approvals need SIU clearance, payees a second person or a read
bank proof, and the approver does not release large payments."""

from decimal import Decimal

import pytest
from sqlalchemy import text

from claimdesk.documents.paperwork import text_pdf
from claimdesk.security.enums import Role

ALL_INPATIENT = {
    "id_card",
    "diagnosis_certificate",
    "itemised_invoice",
    "discharge_summary",
    "bank_account_proof",
}


@pytest.fixture
def holder(world):
    return world.customer("林晓", name_en="Lin Xiao")


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


def reported(world, holder, customer, *, amount="5200.00", **extra):
    policy = world.policy(holder)
    response = world.report(
        customer, policy, amount=amount, bank_account_id=holder.bank_accounts[0].id, **extra
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def verified(world, claim_id, customer=None, **evidence):
    """Reviewed, documents uploaded (unless customer is None), assessed, coverage verified."""
    adjuster = world.staff(Role.ADJUSTER)
    assert world.act(adjuster, claim_id, "start_review").status_code == 200
    if customer is not None:
        world.evidence(customer, claim_id, **evidence)
    for action in ("assess", "verify_coverage"):
        assert world.act(adjuster, claim_id, action).status_code == 200
    return claim_id


def problems(response):
    return {(d["kind"], d["problem"]) for d in response.json()["error"]["details"]}


def test_approval_without_documents_is_refused_naming_each_one(world, holder, customer):
    claim_id = verified(world, reported(world, holder, customer))
    response = world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "evidence_missing"
    assert problems(response) == {(kind, "missing") for kind in ALL_INPATIENT}
    assert "缺少" in error["details"][0]["message_zh"]
    assert "itemised_invoice (missing)" in error["message"]
    claim = world.claim(customer, claim_id)
    assert (claim["status"], claim["approved_amount"]) == ("coverage_verified", "0.00")


def test_an_unreadable_or_mismatched_document_is_named_and_blocks_approval(world, holder, customer):
    claim_id = reported(world, holder, customer)
    adjuster = world.staff(Role.ADJUSTER)
    for action in ("start_review", "assess"):  # the papers come in while it is assessed
        world.act(adjuster, claim_id, action)
    world.evidence(customer, claim_id, skip=("id_card",), patient="Zhou Someone")
    blank = text_pdf([])  # a page with no text on it
    world.client.post(
        f"/api/v1/claims/{claim_id}/documents",
        files={"file": ("id.pdf", blank, "application/pdf")},
        data={"kind": "id_card"},
        headers=customer,
    )
    world.act(adjuster, claim_id, "verify_coverage")
    response = world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve")
    assert response.status_code == 409, response.text
    assert problems(response) == {
        ("id_card", "unreadable"),
        ("diagnosis_certificate", "mismatched"),
        ("itemised_invoice", "mismatched"),
        ("discharge_summary", "mismatched"),
    }


def test_the_complete_read_checklist_lets_the_approval_through(world, holder, customer):
    claim_id = verified(world, reported(world, holder, customer), customer)
    response = world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "partially_approved"


def test_a_supervisor_waives_documents_with_a_reason_recorded_for_auditors(
    world, holder, customer, container
):
    claim_id = reported(world, holder, customer)
    verified(world, claim_id)
    supervisor = world.staff(Role.SUPERVISOR)
    response = world.act(
        supervisor,
        claim_id,
        "approve",
        waive_documents=sorted(ALL_INPATIENT),
        reason="Originals checked at the counter; the scanner was broken.",
    )
    assert response.status_code == 200, response.text
    assert sorted(response.json()["waived_documents"]) == sorted(ALL_INPATIENT)
    assert "waived_documents" not in world.claim(customer, claim_id) or (
        world.claim(customer, claim_id)["waived_documents"] is None
    )

    auditor = world.staff(Role.AUDITOR)
    timeline = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=auditor).json()
    waiver = next(e for e in timeline if e["kind"] == "documents_waived")
    assert waiver["reason"].startswith("Originals checked")
    assert waiver["actor_role"] == "supervisor"
    listed = world.client.get("/api/v1/audit/waivers", headers=auditor).json()
    assert [(w["claim_id"], w["action"], sorted(w["kinds"])) for w in listed] == [
        (claim_id, "approve", sorted(ALL_INPATIENT))
    ]
    customer_timeline = world.client.get(
        f"/api/v1/claims/{claim_id}/timeline", headers=customer
    ).json()
    assert "documents_waived" not in [e["kind"] for e in customer_timeline]
    with container.engine.connect() as connection:
        fact = connection.execute(
            text("SELECT actor_role, data FROM audit_entries WHERE action = 'money.waived'")
        ).one()
    assert fact.actor_role == "supervisor"

    # The waiver holds for the payment too, and the KPIs count it.
    assert world.act(world.staff(Role.ADJUSTER), claim_id, "pay").status_code == 200
    kpis = world.client.get(
        "/api/v1/metrics/kpis?live=true&from=2026-06-01&to=2026-06-30", headers=supervisor
    ).json()
    assert kpis["totals"]["claims_with_waiver"] == 1
    assert kpis["totals"]["waived_claims_rate"] == 1.0


@pytest.mark.parametrize(
    ("role", "fields", "status"),
    [
        (Role.SENIOR_ADJUSTER, {"reason": "trust me"}, 403),  # no waiver authority
        (Role.SUPERVISOR, {}, 422),  # no reason
        (Role.SUPERVISOR, {"reason": "not needed"}, 422),  # a kind the claim does not need
    ],
)
def test_a_waiver_without_authority_reason_or_a_required_kind_is_refused(
    world, holder, customer, role, fields, status
):
    claim_id = verified(world, reported(world, holder, customer))
    kinds = ["repair_estimate"] if "not needed" in fields.get("reason", "") else ["id_card"]
    response = world.act(world.staff(role), claim_id, "approve", waive_documents=kinds, **fields)
    assert response.status_code == status
    assert world.claim(customer, claim_id)["waived_documents"] is None  # customer view
    assert world.claim(world.staff(Role.AUDITOR), claim_id)["waived_documents"] == []


def test_waiver_authority_is_a_setting(world, holder, customer, monkeypatch, container):
    monkeypatch.setattr(container.settings, "waiver_roles", ["senior_adjuster", "supervisor"])
    claim_id = verified(world, reported(world, holder, customer))
    response = world.act(
        world.staff(Role.SENIOR_ADJUSTER),
        claim_id,
        "approve",
        waive_documents=sorted(ALL_INPATIENT),
        reason="Documents held by the hospital's direct-billing desk.",
    )
    assert response.status_code == 200


def test_a_payment_is_refused_when_a_document_read_after_approval_contradicts_the_claim(
    world, holder, customer
):
    claim_id = verified(world, reported(world, holder, customer), customer)
    assert world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve").status_code == 200
    lines = ["MEDICAL INVOICE", "Invoice No.: INV-9", "Patient: Somebody Else", "Total: 10.00"]
    world.client.post(
        f"/api/v1/claims/{claim_id}/documents",
        files={"file": ("late.pdf", text_pdf(lines), "application/pdf")},
        data={"kind": "itemised_invoice"},
        headers=customer,
    )
    response = world.act(world.staff(Role.ADJUSTER), claim_id, "pay")
    assert response.status_code == 409
    assert problems(response) == {("itemised_invoice", "mismatched")}
    assert world.claim(customer, claim_id)["paid_amount"] == "0.00"


def test_a_customer_cannot_send_an_incomplete_claim_back_to_review(world, holder, customer):
    claim_id = reported(world, holder, customer)
    adjuster = world.staff(Role.ADJUSTER)
    world.act(adjuster, claim_id, "request_documents", reason="Invoice and ID please")
    world.evidence(customer, claim_id, skip=("itemised_invoice", "id_card"))
    response = world.act(customer, claim_id, "submit_documents")
    assert response.status_code == 409
    assert problems(response) == {("itemised_invoice", "missing"), ("id_card", "missing")}
    assert world.claim(customer, claim_id)["status"] == "awaiting_documents"
    world.evidence(customer, claim_id)  # the rest: reading moves it back to review itself
    assert world.claim(customer, claim_id)["status"] == "under_review"


# ---------------------------------------------------------------- high risk


def high_risk_claim(world, holder, customer):
    """A claim whose loss line another customer also claims: graded high."""
    other = world.customer(name_en="Other Person")
    world.report(
        world.login(Role.CUSTOMER, other), world.policy(other), amount="5200.00"
    ).raise_for_status()
    claim_id = reported(world, holder, customer)
    risk = world.client.get(
        f"/api/v1/claims/{claim_id}/risk", headers=world.staff(Role.ADJUSTER)
    ).json()
    assert risk["grade"] == "high"
    return claim_id


def test_a_high_risk_claim_needs_siu_clearance_or_a_supervisor_with_a_reason(
    world, holder, customer
):
    claim_id = verified(world, high_risk_claim(world, holder, customer), customer)
    senior, supervisor = world.staff(Role.SENIOR_ADJUSTER), world.staff(Role.SUPERVISOR)
    refused = world.act(senior, claim_id, "approve")
    assert refused.status_code == 403
    assert "SIU" in refused.json()["error"]["message"]
    assert world.act(supervisor, claim_id, "approve").status_code == 403  # no reason
    approved = world.act(
        supervisor, claim_id, "approve", reason="Called the hospital: a real, separate stay."
    )
    assert approved.status_code == 200


def test_an_investigators_assessment_clears_a_high_risk_claim(world, holder, customer):
    claim_id = high_risk_claim(world, holder, customer)
    world.act(world.staff(Role.ADJUSTER), claim_id, "start_review")
    world.evidence(customer, claim_id)
    assert world.act(world.staff(Role.INVESTIGATOR), claim_id, "assess").status_code == 200
    world.act(world.staff(Role.ADJUSTER), claim_id, "verify_coverage")
    assert world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve").status_code == 200


# ---------------------------------------------------------------- payees and duties


def test_the_approver_may_not_release_a_payment_above_the_threshold(world, holder, customer):
    claim_id = verified(world, reported(world, holder, customer, amount="30000.00"), customer)
    senior = world.staff(Role.SENIOR_ADJUSTER)
    approved = world.act(senior, claim_id, "approve").json()
    assert Decimal(approved["approved_amount"]) > Decimal("10000")
    refused = world.act(senior, claim_id, "pay")
    assert refused.status_code == 403
    assert "Segregation of duties" in refused.json()["error"]["message"]
    assert world.act(senior, claim_id, "pay", amount="10000.00").status_code == 200
    assert world.act(world.staff(Role.ADJUSTER), claim_id, "pay").json()["status"] == "paid"


def test_a_matching_holder_name_no_longer_verifies_an_account(world):
    data = {
        "name": "钱多多",
        "id_number": "110101199002020022",
        "bank_accounts": [
            {"bank_name": "ICBC", "account_number": "6222020000000077", "holder_name": "钱多多"}
        ],
    }
    agent = world.staff(Role.AGENT)
    created = world.client.post("/api/v1/customers", json=data, headers=agent).json()
    account = created["bank_accounts"][0]
    assert (account["verified"], account["verification"]) == (False, None)
    url = f"/api/v1/customers/{created['id']}/bank-accounts/{account['id']}/verify"
    same_person = world.client.post(url, headers=agent)
    assert same_person.status_code == 403
    assert "second person" in same_person.json()["error"]["message"]
    second = world.client.post(url, headers=world.staff(Role.SUPERVISOR))
    assert second.json()["verification"] == "second_person"
    assert world.client.post(url, headers=world.staff(Role.SUPERVISOR)).status_code == 409


def test_payment_to_an_unverified_account_is_refused_until_the_bank_proof_is_read(world):
    holder = world.customer("吴晴", name_en="Wu Qing", verified_account=False)
    customer = world.login(Role.CUSTOMER, holder)
    claim_id = reported(world, holder, customer, amount="3000.00")
    verified(world, claim_id, customer)  # its bank proof names "Wu Qing", not the holder
    world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve")
    refused = world.act(world.staff(Role.ADJUSTER), claim_id, "pay")
    assert refused.status_code == 422
    assert "not verified" in refused.json()["error"]["message"]

    account = holder.bank_accounts[0]
    proof = text_pdf(
        [
            "BANK ACCOUNT PROOF",
            f"Account holder: {account.holder_name}",
            f"Account number: {account.account_number[:4]} {account.account_number[4:]}",
        ]
    )
    world.client.post(
        f"/api/v1/claims/{claim_id}/documents",
        files={"file": ("card.pdf", proof, "application/pdf")},
        data={"kind": "bank_account_proof"},
        headers=customer,
    )
    paid = world.act(world.staff(Role.ADJUSTER), claim_id, "pay")
    assert paid.status_code == 200, paid.text
    view = world.client.get(
        f"/api/v1/customers/{holder.id}", headers=world.staff(Role.SUPERVISOR)
    ).json()
    assert view["bank_accounts"][0]["verification"] == "bank_proof"


def test_a_customer_adds_an_account_that_staff_then_verify(world, holder, customer):
    response = world.client.post(
        f"/api/v1/customers/{holder.id}/bank-accounts",
        json={"bank_name": "CMB", "account_number": "6225880000001234", "holder_name": "林晓"},
        headers=customer,
    )
    assert response.status_code == 201
    assert response.json()["verified"] is False
    other = world.customer()
    refused = world.client.post(
        f"/api/v1/customers/{other.id}/bank-accounts",
        json={"bank_name": "CMB", "account_number": "6225880000009999", "holder_name": "X"},
        headers=customer,
    )
    assert refused.status_code == 404
    verify = world.client.post(
        f"/api/v1/customers/{holder.id}/bank-accounts/{response.json()['id']}/verify",
        headers=customer,
    )
    assert verify.status_code == 403
