"""Field investigation as a task: required by routing for large or complex claims, opened,
assigned, completed with findings and an outcome; no approval before, unless waived."""

import pytest

from claimdesk.claims.rules import field_investigation_rule
from claimdesk.security.enums import Role
from tests.integration.test_claim_decisions import verified_claim


@pytest.fixture
def holder(world):
    return world.customer("王芳")


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


def user_id(world, headers):
    return world.client.get("/api/v1/auth/me", headers=headers).json()["user_id"]


def overview(world, headers, claim_id):
    return world.client.get(f"/api/v1/claims/{claim_id}/field-investigations", headers=headers)


def open_task(world, headers, claim_id, **fields):
    body = {
        "due_date": "2026-07-15",
        "instructions": "Visit the hospital; see the ward records.",
        **fields,
    }
    return world.client.post(
        f"/api/v1/claims/{claim_id}/field-investigations", json=body, headers=headers
    )


def post(world, headers, path, **body):
    return world.client.post(f"/api/v1/field-investigations/{path}", json=body, headers=headers)


def test_routing_requires_a_field_investigation_for_large_claims_only(world, holder, customer):
    threshold = field_investigation_rule().threshold("accidental_death_disability")
    adjuster = world.staff(Role.ADJUSTER)
    small = verified_claim(world, holder, customer, amount=f"{threshold - 1:.2f}")
    large = verified_claim(world, holder, customer, amount=f"{threshold:.2f}")
    assert overview(world, adjuster, small).json()["required"] is False
    required = overview(world, adjuster, large).json()
    assert (required["required"], required["reasons"]) == (True, ["large_amount"])
    assert required["investigations"] == []
    supervisor = world.staff(Role.SUPERVISOR)
    assert world.act(supervisor, small, "approve").status_code == 200
    refused = world.act(supervisor, large, "approve")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "field_investigation_open"
    assert "has not been opened" in error["message"]
    assert world.claim(supervisor, large)["status"] == "coverage_verified"


def test_a_field_investigation_is_opened_assigned_completed_and_then_the_claim_approved(
    world, holder, customer
):
    claim_id = verified_claim(world, holder, customer, amount="60000.00")
    adjuster, senior = world.staff(Role.ADJUSTER), world.staff(Role.SENIOR_ADJUSTER)
    investigator = world.login(Role.INVESTIGATOR)
    investigator_id = user_id(world, investigator)

    opened = open_task(world, adjuster, claim_id)
    assert opened.status_code == 201, opened.text
    task = opened.json()
    assert (task["status"], task["assignee_id"], task["due_date"]) == ("open", None, "2026-07-15")
    assert open_task(world, adjuster, claim_id).status_code == 409  # one open at a time
    still_open = world.act(senior, claim_id, "approve")
    assert still_open.status_code == 409
    assert "still open" in still_open.json()["error"]["message"]
    early = post(world, investigator, f"{task['id']}/complete", findings="x", outcome="confirmed")
    assert early.status_code == 409  # nobody assigned yet

    assigned = post(world, adjuster, f"{task['id']}/assign", assignee_id=investigator_id)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assignee_id"] == investigator_id
    other = world.login(Role.INVESTIGATOR)
    done = {"findings": "Ward records and X-rays match the claim.", "outcome": "confirmed"}
    assert post(world, other, f"{task['id']}/complete", **done).status_code == 403
    completed = post(world, investigator, f"{task['id']}/complete", **done)
    assert completed.status_code == 200, completed.text
    body = completed.json()
    assert (body["status"], body["outcome"], body["findings"]) == (
        "completed",
        "confirmed",
        done["findings"],
    )
    assert post(world, investigator, f"{task['id']}/complete", **done).status_code == 409

    approved = world.act(senior, claim_id, "approve")
    assert approved.status_code == 200, approved.text
    kinds = [
        e["kind"]
        for e in world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=senior).json()
    ]
    assert kinds[-4:] == [
        "field_investigation_opened",
        "field_investigation_assigned",
        "field_investigation_completed",
        "approve",
    ]
    customer_kinds = [
        e["kind"]
        for e in world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=customer).json()
    ]
    assert not [k for k in customer_kinds if k.startswith("field_investigation")]


def test_a_supervisor_may_waive_the_field_investigation_with_a_reason(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="60000.00")
    supervisor, senior = world.staff(Role.SUPERVISOR), world.staff(Role.SENIOR_ADJUSTER)
    not_allowed = world.act(
        senior, claim_id, "approve", waive_field_investigation=True, reason="ok"
    )
    assert not_allowed.status_code == 403
    no_reason = world.act(supervisor, claim_id, "approve", waive_field_investigation=True)
    assert no_reason.status_code == 422
    assert world.claim(supervisor, claim_id)["status"] == "coverage_verified"
    reason = "Court judgment already established the facts."
    waived = world.act(
        supervisor, claim_id, "approve", waive_field_investigation=True, reason=reason
    )
    assert waived.status_code == 200, waived.text
    tasks = overview(world, supervisor, claim_id).json()["investigations"]
    assert [(t["status"], t["waive_reason"]) for t in tasks] == [("waived", reason)]
    timeline = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=supervisor).json()
    assert [(e["kind"], e["reason"]) for e in timeline[-2:]] == [
        ("field_investigation_waived", reason),
        ("approve", reason),
    ]


def test_bad_field_investigation_input_is_refused_and_customers_are_kept_out(
    world, holder, customer
):
    claim_id = verified_claim(world, holder, customer, amount="60000.00")
    adjuster = world.staff(Role.ADJUSTER)
    assert open_task(world, adjuster, claim_id, due_date="2020-01-01").status_code == 422
    assert (
        open_task(world, adjuster, claim_id, assignee_id=user_id(world, customer)).status_code
        == 422
    )
    assert open_task(world, adjuster, claim_id, assignee_id=999_999).status_code == 422
    assert open_task(world, adjuster, 999_999).status_code == 404
    assert open_task(world, customer, claim_id).status_code == 403
    assert overview(world, customer, claim_id).status_code == 403
    assert overview(world, adjuster, claim_id).json()["investigations"] == []
    task = open_task(world, adjuster, claim_id).json()
    bad = post(world, adjuster, f"{task['id']}/assign", assignee_id=user_id(world, customer))
    assert bad.status_code == 422
    assert post(world, adjuster, "999999/assign", assignee_id=1).status_code == 404
    wrong = post(world, adjuster, f"{task['id']}/complete", findings="seen", outcome="great")
    assert wrong.status_code == 422
