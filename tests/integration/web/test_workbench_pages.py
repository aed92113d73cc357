"""The staff workbench: queues, claim detail with exactly the allowed actions, approval
above an adjuster's authority, counter intake, and answering a ticket."""

from __future__ import annotations

from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in


def _claim_ready_for_decision(world, amount: str) -> int:
    """A claim reviewed, its papers read, assessed and verified through the API by its own
    adjuster."""
    holder = world.customer()
    policy = world.policy(holder)
    customer = world.login(Role.CUSTOMER, holder)
    claim_id = world.report(customer, policy, amount=amount).json()["id"]
    assessor = world.staff(Role.SENIOR_ADJUSTER)
    assert world.act(assessor, claim_id, "start_review").status_code == 200
    world.evidence(customer, claim_id)
    for action in ("assess", "verify_coverage"):
        response = world.act(assessor, claim_id, action)
        assert response.status_code == 200, response.text
    return claim_id


def test_new_claims_queue_lists_a_reported_claim(world):
    holder = world.customer()
    policy = world.policy(holder)
    claim = world.report(world.login(Role.CUSTOMER, holder), policy).json()
    adjuster = signed_in(world, Role.ADJUSTER)
    page = adjuster.get("/staff?queue=new")
    assert page.status_code == 200
    assert claim["number"] in page.text


def test_claim_detail_shows_only_the_actions_the_role_may_take(world):
    holder = world.customer()
    policy = world.policy(holder)
    claim = world.report(world.login(Role.CUSTOMER, holder), policy).json()
    adjuster = signed_in(world, Role.ADJUSTER)
    page = adjuster.get(f"/staff/claims/{claim['id']}", headers={"Accept-Language": "en"})
    assert 'name="action" value="start_review"' in page.text
    assert 'name="action" value="approve"' not in page.text
    assert 'name="action" value="reopen"' not in page.text
    auditor = signed_in(world, Role.AUDITOR)
    page = auditor.get(f"/staff/claims/{claim['id']}", headers={"Accept-Language": "en"})
    assert 'name="action"' not in page.text
    assert "Risk score" in page.text


def test_approval_above_the_adjusters_authority_is_offered_to_the_supervisor(world):
    claim_id = _claim_ready_for_decision(world, "15000.00")
    adjuster = signed_in(world, Role.ADJUSTER)
    page = adjuster.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert 'name="action" value="approve"' not in page.text
    assert 'id="blocked-approve"' in page.text and "authority limit" in page.text
    supervisor = signed_in(world, Role.SUPERVISOR)
    supervisor.get(f"/staff/claims/{claim_id}")
    assert 'name="action" value="approve"' in supervisor.get(f"/staff/claims/{claim_id}").text
    response = supervisor.post(
        f"/claims/{claim_id}/actions", {"action": "approve", "reason": "covered"}
    )
    assert response.headers["location"] == f"/staff/claims/{claim_id}"
    page = supervisor.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert "Done." in page.text
    assert 'class="badge s-approved"' in page.text or 'class="badge s-partially_approved"' in (
        page.text
    )


def test_a_refused_action_is_explained_on_the_claim_page(world):
    claim_id = _claim_ready_for_decision(world, "1000.00")
    adjuster = signed_in(world, Role.ADJUSTER)
    adjuster.get(f"/staff/claims/{claim_id}")
    adjuster.post(f"/claims/{claim_id}/actions", {"action": "deny"})
    page = adjuster.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert "needs a reason" in page.text


def test_counter_intake_reports_a_claim_for_the_customer(world):
    holder = world.customer("李四")
    policy = world.policy(holder)
    agent = signed_in(world, Role.AGENT)
    form = agent.get(f"/staff/intake?customer_id={holder.id}")
    assert "李四" in form.text and policy.number in form.text
    response = agent.post(
        "/staff/intake",
        {
            "customer_id": str(holder.id),
            "channel": "counter",
            "policy_id": str(policy.id),
            "claim_type": "outpatient",
            "incident_date": "2026-06-10",
            "description": "柜面代客报案",
            "claimed_amount": "800.00",
        },
    )
    assert response.status_code == 303, response.text
    page = agent.get(response.headers["location"], headers={"Accept-Language": "en"})
    assert "柜面代客报案" in page.text and "Counter" in page.text


def test_agent_answers_a_ticket_before_its_sla_with_a_canned_reply(world):
    holder = world.customer()
    customer = signed_in(world, Role.CUSTOMER, holder)
    customer.get("/tickets/new")
    opened = customer.post(
        "/tickets", {"kind": "consultation", "subject": "免赔额", "body": "门诊免赔额是多少？"}
    )
    ticket_id = int(opened.headers["location"].rsplit("/", 1)[-1])
    agent = signed_in(world, Role.AGENT)
    inbox = agent.get("/staff?queue=tickets", headers={"Accept-Language": "en"})
    assert f"/staff/tickets/{ticket_id}" in inbox.text and "First response" in inbox.text
    box = agent.get(f"/staff/tickets/{ticket_id}/reply-box?canned=received")
    assert "感谢您的来信" in box.text
    agent.get(f"/staff/tickets/{ticket_id}")
    agent.post(f"/staff/tickets/{ticket_id}/messages", {"body": "门诊免赔额为 100 元。"})
    page = agent.get(f"/staff/tickets/{ticket_id}", headers={"Accept-Language": "en"})
    assert "First response: due" in page.text
    assert 'class="badge sla-met">met' in page.text
    assert "门诊免赔额为 100 元。" in customer.get(f"/tickets/{ticket_id}").text


def test_a_disputed_decision_climbs_the_stages_on_the_claim_page(world):
    claim_id = _claim_ready_for_decision(world, "5000.00")
    approved = world.act(world.staff(Role.SUPERVISOR), claim_id, "approve", reason="covered")
    assert approved.status_code == 200, approved.text
    claim = world.claim(world.staff(Role.SUPERVISOR), claim_id)
    customer = signed_in(world, Role.CUSTOMER, world.customer())  # a stranger first
    customer.get("/")
    assert customer.post(f"/claims/{claim_id}/disputes", {"reason": "x"}).status_code == 404
    agent = signed_in(world, Role.AGENT)
    agent.get(f"/staff/claims/{claim_id}")
    agent.post(f"/claims/{claim_id}/disputes", {"reason": "免赔额计算有误"})
    page = agent.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert "免赔额计算有误" in page.text and "Negotiation" in page.text
    assert "/steps" not in page.text  # agents may not manage disputes: no form
    senior = signed_in(world, Role.SENIOR_ADJUSTER)
    page = senior.get(f"/staff/claims/{claim_id}")
    dispute_id = int(page.text.split('action="/staff/disputes/', 1)[1].split("/", 1)[0])
    senior.post(f"/staff/disputes/{dispute_id}/steps", {"action": "escalate", "notes": "未达成"})
    senior.post(
        f"/staff/disputes/{dispute_id}/steps",
        {"action": "settle", "outcome": "decision_upheld", "notes": "调解维持"},
    )
    page = senior.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert "Mediation" in page.text and "decision upheld" in page.text and "settled" in page.text
    assert claim["number"] in page.text
