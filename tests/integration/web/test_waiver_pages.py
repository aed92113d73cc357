"""Waivers on the staff claim page: a person with waiver authority waives missing required
documents (or a required field investigation) with a reason on the approve/pay forms,
through the same transition as the API; others see no waiver controls."""

from __future__ import annotations

from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}
MISSING = "discharge_summary"
CHECKBOX = f'name="waive_documents" value="{MISSING}"'


def _claim_missing_a_document(world) -> int:
    """An inpatient claim reviewed, assessed and verified by an adjuster, then every
    required document uploaded and read except the discharge summary."""
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    claim_id = world.report(customer, world.policy(holder), amount="5000.00").json()["id"]
    adjuster = world.staff(Role.ADJUSTER)
    for action in ("start_review", "assess", "verify_coverage"):
        response = world.act(adjuster, claim_id, action)
        assert response.status_code == 200, response.text
    world.evidence(customer, claim_id, skip=(MISSING,))
    assert world.claim(adjuster, claim_id)["status"] == "coverage_verified"
    return claim_id


def _events(world, claim_id: int) -> list[dict]:
    response = world.client.get(
        f"/api/v1/claims/{claim_id}/timeline", headers=world.staff(Role.SUPERVISOR)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return body["items"] if isinstance(body, dict) else body


def test_a_supervisor_waives_a_missing_document_with_a_reason_and_approves(world):
    claim_id = _claim_missing_a_document(world)
    supervisor = signed_in(world, Role.SUPERVISOR)
    page = supervisor.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'id="waiver-approve"' in page.text and CHECKBOX in page.text
    assert "Discharge summary" in page.text and "Waive with a reason" in page.text
    assert 'name="waive_documents" value="id_card"' not in page.text  # read ones are not offered

    reason = "Discharge confirmed by phone with the hospital ward."
    response = supervisor.post(
        f"/claims/{claim_id}/actions",
        {"action": "approve", "waive_documents": MISSING, "reason": reason},
    )
    assert response.headers["location"] == f"/staff/claims/{claim_id}"
    claim = world.claim(world.staff(Role.SUPERVISOR), claim_id)
    assert claim["status"] in ("approved", "partially_approved")
    assert claim["waived_documents"] == [MISSING]
    waived = [e for e in _events(world, claim_id) if e["kind"] == "documents_waived"]
    assert len(waived) == 1 and waived[0]["reason"] == reason

    page = supervisor.get(f"/staff/claims/{claim_id}", headers=EN)
    assert "Documents waived" in page.text and reason in page.text  # timeline and waivers card
    assert 'id="waivers"' in page.text
    assert "waive_documents" not in page.text  # nothing left to waive


def test_an_adjuster_sees_no_waiver_controls_and_cannot_waive_by_posting(world):
    claim_id = _claim_missing_a_document(world)
    adjuster = signed_in(world, Role.ADJUSTER)
    page = adjuster.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'name="action" value="approve"' in page.text  # the approve form is there
    assert "waive_documents" not in page.text and 'id="waiver-approve"' not in page.text
    assert "Waive with a reason" not in page.text

    adjuster.post(
        f"/claims/{claim_id}/actions",
        {"action": "approve", "waive_documents": MISSING, "reason": "I say so"},
    )
    claim = world.claim(world.staff(Role.SUPERVISOR), claim_id)
    assert claim["status"] == "coverage_verified" and claim["waived_documents"] == []
    assert "may not waive documents" in adjuster.get(f"/staff/claims/{claim_id}", headers=EN).text


def test_a_waiver_without_a_reason_is_refused_in_the_readers_language_and_changes_nothing(
    world,
):
    claim_id = _claim_missing_a_document(world)
    supervisor = signed_in(world, Role.SUPERVISOR)
    supervisor.get(f"/staff/claims/{claim_id}", headers=EN)
    response = supervisor.post(
        f"/claims/{claim_id}/actions",
        {"action": "approve", "waive_documents": MISSING, "reason": "  "},
        headers=EN,
    )
    assert response.headers["location"] == f"/staff/claims/{claim_id}"
    page = supervisor.get(f"/staff/claims/{claim_id}", headers=EN)
    assert "A waiver needs a reason" in page.text
    assert "免除须说明理由" not in page.text  # the reader's language only

    supervisor.post(
        f"/claims/{claim_id}/actions", {"action": "approve", "waive_documents": MISSING}, headers=ZH
    )
    page = supervisor.get(f"/staff/claims/{claim_id}", headers=ZH)
    assert "免除须说明理由" in page.text and "A waiver needs a reason" not in page.text

    claim = world.claim(world.staff(Role.SUPERVISOR), claim_id)
    assert claim["status"] == "coverage_verified" and claim["waived_documents"] == []
    assert not [e for e in _events(world, claim_id) if e["kind"] == "documents_waived"]


def test_approving_without_waiving_names_the_missing_document_in_the_readers_language(world):
    claim_id = _claim_missing_a_document(world)
    supervisor = signed_in(world, Role.SUPERVISOR)
    supervisor.get(f"/staff/claims/{claim_id}")
    supervisor.post(
        f"/claims/{claim_id}/actions", {"action": "approve", "reason": "fine"}, headers=ZH
    )
    page = supervisor.get(f"/staff/claims/{claim_id}", headers=ZH)
    assert "缺少出院小结" in page.text and "is missing" not in page.text
    assert world.claim(world.staff(Role.SUPERVISOR), claim_id)["status"] == "coverage_verified"


def test_the_waiver_labels_render_in_both_languages(world):
    claim_id = _claim_missing_a_document(world)
    supervisor = signed_in(world, Role.SUPERVISOR)
    en = supervisor.get(f"/staff/claims/{claim_id}", headers=EN).text
    zh = supervisor.get(f"/staff/claims/{claim_id}", headers=ZH).text
    assert "Discharge summary" in en and "Waive with a reason" in en
    assert "出院小结" in zh and "说明理由后免除" in zh
    assert "Waive with a reason" not in zh and "说明理由后免除" not in en


def test_a_supervisor_waives_a_required_field_investigation_on_approve(world):
    from tests.integration.web.test_workbench_pages import _claim_ready_for_decision

    claim_id = _claim_ready_for_decision(world, "150000.00")  # routing requires one
    supervisor = signed_in(world, Role.SUPERVISOR)
    page = supervisor.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'name="waive_field_investigation"' in page.text
    assert "Required field investigation" in page.text
    assert "waive_documents" not in page.text  # the papers are all read
    zh = supervisor.get(f"/staff/claims/{claim_id}", headers=ZH).text
    assert "规定的现场调查" in zh
    assert 'name="waive_field_investigation"' not in (
        signed_in(world, Role.SENIOR_ADJUSTER).get(f"/staff/claims/{claim_id}").text
    )

    supervisor.get(f"/staff/claims/{claim_id}")
    supervisor.post(
        f"/claims/{claim_id}/actions",
        {"action": "approve", "waive_field_investigation": "1"},
        headers=ZH,
    )
    assert world.claim(world.staff(Role.SUPERVISOR), claim_id)["status"] == "coverage_verified"
    page = supervisor.get(f"/staff/claims/{claim_id}", headers=ZH).text
    assert "免除须说明理由" in page and "Waiving the field investigation" not in page

    reason = "Hospital confirmed the stay; a visit adds nothing."
    supervisor.post(
        f"/claims/{claim_id}/actions",
        {"action": "approve", "waive_field_investigation": "1", "reason": reason},
    )
    status = world.claim(world.staff(Role.SUPERVISOR), claim_id)["status"]
    assert status in ("approved", "partially_approved")
    kinds = [e["kind"] for e in _events(world, claim_id)]
    assert "field_investigation_waived" in kinds
    page = supervisor.get(f"/staff/claims/{claim_id}", headers=EN)
    assert reason in page.text and 'name="waive_field_investigation"' not in page.text


def test_the_pay_form_offers_a_waiver_of_a_document_that_no_longer_matches(world):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    policy = world.policy(holder)
    account = holder.bank_accounts[0].id
    claim_id = world.report(customer, policy, bank_account_id=account).json()["id"]
    world.settle(customer, claim_id, until="approve")
    # after approval an invoice naming someone not insured arrives: pay is refused for it
    others = ("id_card", "diagnosis_certificate", "discharge_summary", "bank_account_proof")
    world.evidence(customer, claim_id, skip=others, patient="Somebody Else")
    supervisor = signed_in(world, Role.SUPERVISOR)
    page = supervisor.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'id="waiver-pay"' in page.text
    assert 'name="waive_documents" value="itemised_invoice"' in page.text
    assert 'name="waive_documents" value="id_card"' not in page.text
    assert 'name="waive_field_investigation"' not in page.text  # only on approve
    adjuster_page = signed_in(world, Role.ADJUSTER).get(f"/staff/claims/{claim_id}")
    assert 'name="action" value="pay"' in adjuster_page.text
    assert "waive_documents" not in adjuster_page.text

    reason = "Invoice checked against the hospital's own system; the name is a typo."
    supervisor.post(
        f"/claims/{claim_id}/actions",
        {"action": "pay", "waive_documents": "itemised_invoice", "reason": reason},
        headers=EN,
    )
    claim = world.claim(world.staff(Role.SUPERVISOR), claim_id)
    assert claim["status"] == "paid"
    assert claim["waived_documents"] == ["itemised_invoice"]
    waived = [e for e in _events(world, claim_id) if e["kind"] == "documents_waived"]
    assert [e["reason"] for e in waived] == [reason]
