"""A claim walks from report to payment and close-out over HTTP."""

from claimdesk.security.enums import Role


def test_medical_claim_goes_from_report_to_paid_and_closed(world):
    holder = world.customer("王芳")
    policy = world.policy(holder)
    customer = world.login(Role.CUSTOMER, holder)
    adjuster = world.staff(Role.ADJUSTER)
    senior = world.staff(Role.SENIOR_ADJUSTER)
    account_id = holder.bank_accounts[0].id

    reported = world.report(customer, policy, amount="5200.00", bank_account_id=account_id)
    assert reported.status_code == 201, reported.text
    claim = reported.json()
    assert claim["number"].startswith("CLM")
    assert claim["status"] == "reported"
    assert [d["kind"] for d in claim["required_documents"]] == [
        "id_card",
        "diagnosis_certificate",
        "itemised_invoice",
        "discharge_summary",
        "bank_account_proof",
    ]

    assert world.act(adjuster, claim["id"], "start_review").status_code == 200
    world.evidence(customer, claim["id"])  # the five papers, read as they arrive
    for action, who in [
        ("assess", adjuster),
        ("verify_coverage", adjuster),
        ("approve", senior),
        ("pay", senior),
        ("close", adjuster),
    ]:
        response = world.act(who, claim["id"], action)
        assert response.status_code == 200, (action, response.text)

    final = world.claim(customer, claim["id"])
    # 5,200 - 1,000 deductible = 4,200; insurer pays 80% = 3,360.
    assert final["status"] == "closed"
    assert final["approved_amount"] == "3360.00"
    assert final["paid_amount"] == "3360.00"
    assert final["payments"][0]["reference"].startswith("PAY")
    assert final["statutory"]["state"] == "met"

    timeline = world.client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=customer).json()
    assert [e["kind"] for e in timeline if e["kind"] != "document_uploaded"] == [
        "reported",
        "start_review",
        "request_documents",  # the system asks for the rest after the first paper is read
        "submit_documents",  # and resumes the review once the last one is
        "assess",
        "verify_coverage",
        "approve",
        "pay",
        "close",
    ]
    payout = world.client.get(f"/api/v1/claims/{claim['id']}/payout", headers=customer).json()
    assert payout["total_payable"] == "3360.00"
    assert any("免赔" in step["message_zh"] for c in payout["coverages"] for step in c["steps"])
