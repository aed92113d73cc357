"""The workbench side paths: referral for approval to a named colleague (and their
"referred to me" queue), field investigation tasks on the staff claim page."""

from __future__ import annotations

from sqlalchemy import select

from claimdesk.security.enums import Role
from claimdesk.security.models import User
from tests.integration.web.pages import signed_in
from tests.integration.web.test_workbench_pages import _claim_ready_for_decision

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def _last_user_id(world) -> int:
    with world.container.sessions() as session:
        return session.scalars(select(User.id).where(User.username == world.last_username)).one()


def test_an_adjuster_refers_a_claim_to_a_supervisor_who_finds_it_in_their_queue(world):
    claim_id = _claim_ready_for_decision(world, "15000.00")  # payable 11,200 > 10,000
    number = world.claim(world.staff(Role.SUPERVISOR), claim_id)["number"]
    supervisor = signed_in(world, Role.SUPERVISOR)
    supervisor_id = _last_user_id(world)
    adjuster = signed_in(world, Role.ADJUSTER)
    page = adjuster.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'id="blocked-approve"' in page.text
    assert f'action="/staff/claims/{claim_id}/referrals"' in page.text
    assert f'<option value="{supervisor_id}">' in page.text

    response = adjuster.post(
        f"/staff/claims/{claim_id}/referrals",
        {"to_user_id": str(supervisor_id), "note": "Above my limit, please approve."},
    )
    assert response.headers["location"] == f"/staff/claims/{claim_id}"
    page = adjuster.get(f"/staff/claims/{claim_id}", headers=EN)
    assert "Referred for approval." in page.text and 'id="referred-to"' in page.text

    queue = supervisor.get("/staff?queue=referred_to_me", headers=EN)
    assert "Referred to me" in queue.text and number in queue.text
    assert "转给我的" in supervisor.get("/staff?queue=referred_to_me", headers=ZH).text
    assert number not in adjuster.get("/staff?queue=referred_to_me", headers=EN).text

    supervisor.get(f"/staff/claims/{claim_id}")
    supervisor.post(f"/claims/{claim_id}/actions", {"action": "approve", "reason": "covered"})
    assert number not in supervisor.get("/staff?queue=referred_to_me", headers=EN).text


def test_a_referral_to_someone_without_authority_is_explained_on_the_page(world):
    claim_id = _claim_ready_for_decision(world, "15000.00")
    world.login(Role.INVESTIGATOR)
    investigator_id = _last_user_id(world)
    adjuster = signed_in(world, Role.ADJUSTER)
    adjuster.get(f"/staff/claims/{claim_id}")
    adjuster.post(
        f"/staff/claims/{claim_id}/referrals", {"to_user_id": str(investigator_id), "note": "x"}
    )
    page = adjuster.get(f"/staff/claims/{claim_id}", headers=EN)
    assert "no authority to approve" in page.text
    assert 'id="referred-to"' not in page.text


def test_a_field_investigation_is_opened_assigned_and_completed_on_the_claim_page(world):
    claim_id = _claim_ready_for_decision(world, "150000.00")  # above the routing threshold
    investigator = signed_in(world, Role.INVESTIGATOR)
    investigator_id = _last_user_id(world)
    adjuster = signed_in(world, Role.ADJUSTER)
    page = adjuster.get(f"/staff/claims/{claim_id}", headers=EN)
    assert "Required by routing before approval" in page.text and "large amount" in page.text
    adjuster.post(
        f"/staff/claims/{claim_id}/field-investigations",
        {"due_date": "2026-07-01", "instructions": "Visit the ward.", "assignee_id": ""},
    )
    page = adjuster.get(f"/staff/claims/{claim_id}", headers=EN)
    assert "not assigned" in page.text and "Visit the ward." in page.text
    task_id = world.client.get(
        f"/api/v1/claims/{claim_id}/field-investigations", headers=world.staff(Role.ADJUSTER)
    ).json()["investigations"][0]["id"]
    adjuster.post(
        f"/staff/field-investigations/{task_id}/assign", {"assignee_id": str(investigator_id)}
    )
    page = investigator.get(f"/staff/claims/{claim_id}", headers=ZH)
    assert "现场调查" in page.text and "记录调查结果" in page.text
    investigator.post(
        f"/staff/field-investigations/{task_id}/complete",
        {"findings": "病房记录与报案一致。", "outcome": "confirmed"},
    )
    page = investigator.get(f"/staff/claims/{claim_id}", headers=ZH)
    assert "病房记录与报案一致。" in page.text and "与报案一致" in page.text
    assert "完成现场调查" in page.text  # the timeline entry, in the reader's language
    assert investigator.get("/staff/field-investigations/1/nonsense").status_code in (404, 405)


def test_an_approval_with_a_waived_document_shows_the_waiver_and_its_reason(world):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    claim_id = world.report(customer, world.policy(holder), amount="5000.00").json()["id"]
    adjuster = world.staff(Role.ADJUSTER)
    for action in ("start_review", "assess", "verify_coverage"):
        assert world.act(adjuster, claim_id, action).status_code == 200
    reason = "Papers seen in the hospital records system."
    kinds = [d["kind"] for d in world.claim(adjuster, claim_id)["required_documents"]]
    approved = world.act(
        world.staff(Role.SUPERVISOR), claim_id, "approve", waive_documents=kinds, reason=reason
    )
    assert approved.status_code == 200, approved.text
    page = signed_in(world, Role.AUDITOR).get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'id="waivers"' in page.text and "Discharge summary" in page.text
    assert reason in page.text and "Documents waived" in page.text
