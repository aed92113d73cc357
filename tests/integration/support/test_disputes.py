"""Disputes climb negotiation -> mediation -> arbitration -> litigation; outcomes reopen claims."""

import pytest

from claimdesk.security.enums import Role

MEDIATION_CENTRE = "上海银行业保险业纠纷调解中心"


@pytest.fixture
def denied(world):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(customer, world.policy(holder)).json()
    adjuster = world.staff(Role.ADJUSTER)
    assert world.act(adjuster, claim["id"], "start_review").status_code == 200
    assert (
        world.act(adjuster, claim["id"], "deny", reason="pre-existing condition").status_code == 200
    )
    return customer, claim


def dispute(world, customer, claim_id, **fields):
    body = {"claim_id": claim_id, "reason": "The condition was not pre-existing.", **fields}
    return world.client.post("/api/v1/disputes", json=body, headers=customer)


def step(world, headers, dispute_id, **fields):
    return world.client.post(f"/api/v1/disputes/{dispute_id}/steps", json=fields, headers=headers)


def test_a_dispute_climbs_the_whole_ladder_and_stops_at_litigation(world, denied):
    customer, claim = denied
    opened = dispute(world, customer, claim["id"], deadline="2026-06-30", documents=["DOC-1"])
    assert opened.status_code == 201, opened.text
    assert opened.json()["stage"] == "negotiation"
    senior = world.staff(Role.SENIOR_ADJUSTER)
    dispute_id = opened.json()["id"]

    mediation = step(
        world,
        senior,
        dispute_id,
        action="escalate",
        notes="no agreement",
        next_stage={"parties": ["customer", "insurer", MEDIATION_CENTRE], "deadline": "2026-08-01"},
    ).json()
    assert mediation["stage"] == "mediation"
    assert mediation["stages"][0]["outcome"] == "unresolved"
    assert mediation["stages"][1]["parties"][-1] == MEDIATION_CENTRE

    for expected in ("arbitration", "litigation"):
        assert step(world, senior, dispute_id, action="escalate").json()["stage"] == expected
    last = step(world, senior, dispute_id, action="escalate")
    assert last.status_code == 409
    assert "last stage" in last.json()["error"]["message"]

    settled = step(world, senior, dispute_id, action="settle", outcome="decision_upheld").json()
    assert (settled["status"], settled["outcome"]) == ("settled", "decision_upheld")
    assert [s["stage"] for s in settled["stages"]] == [
        "negotiation",
        "mediation",
        "arbitration",
        "litigation",
    ]
    assert world.claim(customer, claim["id"])["status"] == "denied"
    kinds = [
        e["kind"]
        for e in world.client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=customer).json()
    ]
    assert kinds[-5:] == [
        "dispute_opened",
        "dispute_escalated",
        "dispute_escalated",
        "dispute_escalated",
        "dispute_settled",
    ]


def test_a_mediation_outcome_reopens_the_claim_for_reassessment(world, denied):
    customer, claim = denied
    dispute_id = dispute(world, customer, claim["id"]).json()["id"]
    supervisor = world.staff(Role.SUPERVISOR)
    step(world, supervisor, dispute_id, action="escalate")
    response = step(
        world, supervisor, dispute_id, action="settle", outcome="reassess", notes="mediator advice"
    )
    assert response.status_code == 200, response.text
    reopened = world.claim(customer, claim["id"])
    assert reopened["status"] == "reopened"
    timeline = world.client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=customer).json()
    assert "mediation: reassess" in timeline[-1]["reason"]


def test_an_extra_payment_outcome_needs_the_amount(world, denied):
    customer, claim = denied
    dispute_id = dispute(world, customer, claim["id"]).json()["id"]
    senior = world.staff(Role.SENIOR_ADJUSTER)
    response = step(world, senior, dispute_id, action="settle", outcome="extra_payment")
    assert response.status_code == 422
    response = step(
        world, senior, dispute_id, action="settle", outcome="extra_payment", extra_amount="800.00"
    )
    assert response.json()["extra_amount"] == "800.00"
    assert world.claim(customer, claim["id"])["status"] == "reopened"


def test_only_decided_claims_can_be_disputed_and_one_dispute_at_a_time(world, denied):
    customer, claim = denied
    assert dispute(world, customer, claim["id"]).status_code == 201
    assert dispute(world, customer, claim["id"]).status_code == 409
    holder = world.customer()
    other = world.login(Role.CUSTOMER, holder)
    fresh = world.report(other, world.policy(holder)).json()
    response = dispute(world, other, fresh["id"])
    assert response.status_code == 409
    assert "decided" in response.json()["error"]["message"]
    assert dispute(world, other, claim["id"]).status_code == 404


def test_customers_and_adjusters_cannot_move_a_dispute(world, denied):
    customer, claim = denied
    dispute_id = dispute(world, customer, claim["id"]).json()["id"]
    assert step(world, customer, dispute_id, action="escalate").status_code == 403
    assert step(world, world.staff(Role.ADJUSTER), dispute_id, action="escalate").status_code == 403
    assert world.client.get(f"/api/v1/disputes/{dispute_id}", headers=customer).status_code == 200
