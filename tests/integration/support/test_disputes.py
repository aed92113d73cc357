"""Disputes climb negotiation -> mediation -> arbitration -> litigation; outcomes reopen claims."""

import pytest

from claimdesk.security.enums import Role
from tests.factories import keyed, said_in

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
    reopening = world.timeline(customer, claim["id"], "en")[-1]
    params = keyed(reopening, "history.dispute_reopened", reason="mediator advice")
    assert params["stage"] == {"code": "dispute_stage", "value": "mediation"}
    assert params["outcome"] == {"code": "dispute_outcome", "value": "reassess"}
    assert reopening["text"] == (
        f"Dispute {dispute_id} settled at the Mediation stage: reassess.\nmediator advice"
    )
    chinese = world.timeline(customer, claim["id"], "zh-CN")[-1]["text"]
    assert chinese.startswith(f"争议 {dispute_id} 于调解阶段解决：")
    assert said_in(chinese.splitlines()[0], "zh-CN")


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
    view = world.claim(customer, claim["id"])
    assert (view["status"], view["approved_amount"]) == ("approved", "800.00")


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


# ---------------------------------------------------------------- awards paid as awarded


def _ledger_awards(world, claim_id):
    """The award evidence on the claim's ``money.approved`` ledger entries."""
    from sqlalchemy import select

    from claimdesk.audit.models import AuditEntry

    with world.container.sessions() as session:
        rows = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "money.approved", AuditEntry.subject_id == str(claim_id)
            )
        ).all()
        return [r.data["award"] for r in rows if "award" in r.data]


def test_an_award_is_paid_exactly_as_awarded_not_through_the_policy_formula(world):
    """Inpatient cover has a 1,000 deductible and 20 % co-pay: 500 awarded still pays 500."""
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(
        customer, world.policy(holder), amount="6000.00", bank_account_id=holder.bank_accounts[0].id
    ).json()
    paid = world.settle(customer, claim["id"], until="close")
    assert paid["paid_amount"] == "4000.00"  # (6,000 - 1,000) x 80 %
    dispute_id = dispute(world, customer, claim["id"]).json()["id"]
    senior, adjuster = world.staff(Role.SENIOR_ADJUSTER), world.staff(Role.ADJUSTER)
    step(world, senior, dispute_id, action="escalate", notes="no agreement")
    settled = step(
        world,
        senior,
        dispute_id,
        action="settle",
        outcome="extra_payment",
        extra_amount="500.00",
        notes="mediator: nursing fees owed",
    )
    assert settled.status_code == 200, settled.text
    awarded = world.claim(customer, claim["id"])
    assert (awarded["status"], awarded["approved_amount"]) == ("approved", "4500.00")
    assert awarded["outstanding_amount"] == "500.00"

    payment = world.act(adjuster, claim["id"], "pay")
    assert payment.status_code == 200, payment.text
    assert [p["amount"] for p in payment.json()["payments"]] == ["4000.00", "500.00"]
    assert payment.json()["status"] == "paid"

    timeline = world.client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=senior).json()
    award = next(e for e in timeline if e["kind"] == "approve_award")
    assert award["data"]["dispute_id"] == dispute_id
    assert (award["data"]["award"], award["data"]["stage"]) == ("500.00", "mediation")
    keyed(award, "history.dispute_award", reason="mediator: nursing fees owed")
    said = {
        language: next(
            e for e in world.timeline(senior, claim["id"], language) if e["id"] == award["id"]
        )
        for language in ("zh-CN", "en")
    }
    assert said["en"]["text"].startswith(
        f"Dispute {dispute_id} settled at the Mediation stage: award of CNY 500.00."
    )
    assert said["zh-CN"]["text"].startswith(
        f"争议 {dispute_id} 于调解阶段解决：裁决金额 CNY 500.00。"
    )
    assert timeline[-1]["kind"] == "pay" and timeline[-1]["data"]["amount"] == "500.00"
    assert _ledger_awards(world, claim["id"]) == [
        {"dispute_id": dispute_id, "stage": "mediation", "award": "500.00"}
    ]
    verify = world.client.get("/api/v1/audit/verify", headers=world.staff(Role.AUDITOR))
    assert verify.status_code == 200 and verify.json()["ok"] is True, verify.text


def test_an_award_on_a_denied_claim_is_paid_only_with_the_claims_evidence(world):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(
        customer, world.policy(holder), bank_account_id=holder.bank_accounts[0].id
    ).json()
    adjuster, supervisor = world.staff(Role.ADJUSTER), world.staff(Role.SUPERVISOR)
    world.act(adjuster, claim["id"], "start_review")
    assert world.act(adjuster, claim["id"], "deny", reason="not covered").status_code == 200
    dispute_id = dispute(world, customer, claim["id"]).json()["id"]
    settled = step(
        world,
        supervisor,
        dispute_id,
        action="settle",
        outcome="extra_payment",
        extra_amount="500.00",
    )
    assert settled.status_code == 200, settled.text
    assert world.claim(customer, claim["id"])["approved_amount"] == "500.00"

    refused = world.act(adjuster, claim["id"], "pay")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "evidence_missing"
    assert world.claim(customer, claim["id"])["paid_amount"] == "0.00"
    world.evidence(customer, claim["id"])
    paid = world.act(adjuster, claim["id"], "pay")
    assert paid.status_code == 200, paid.text
    assert [p["amount"] for p in paid.json()["payments"]] == ["500.00"]


def test_an_award_cannot_be_approved_twice_or_without_its_dispute(world, denied):
    customer, claim = denied
    supervisor = world.staff(Role.SUPERVISOR)
    no_dispute = world.act(supervisor, claim["id"], "approve_award")
    assert no_dispute.status_code == 422
    assert no_dispute.json()["error"]["details"] == [{"field": "dispute_id"}]
    dispute_id = dispute(world, customer, claim["id"]).json()["id"]
    open_one = world.act(supervisor, claim["id"], "approve_award", dispute_id=dispute_id)
    assert open_one.status_code == 409  # not settled yet
    step(
        world,
        supervisor,
        dispute_id,
        action="settle",
        outcome="extra_payment",
        extra_amount="500.00",
    )
    again = world.act(supervisor, claim["id"], "approve_award", dispute_id=dispute_id)
    assert again.status_code == 409
    assert "already" in again.json()["error"]["message"]
    assert world.claim(customer, claim["id"])["approved_amount"] == "500.00"
    adjuster_try = world.act(
        world.staff(Role.ADJUSTER), claim["id"], "approve_award", dispute_id=dispute_id
    )
    assert adjuster_try.status_code == 403
