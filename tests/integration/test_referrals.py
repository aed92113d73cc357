"""Referral for approval: above one's authority, refer to a named colleague who may approve."""

import pytest

from claimdesk.security.enums import Role
from tests.integration.test_claim_decisions import verified_claim


@pytest.fixture
def holder(world):
    return world.customer("李雷")


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


def user_id(world, headers):
    return world.client.get("/api/v1/auth/me", headers=headers).json()["user_id"]


def refer(world, headers, claim_id, to_user_id, note="Above my authority; please decide."):
    return world.client.post(
        f"/api/v1/claims/{claim_id}/referrals",
        json={"to_user_id": to_user_id, "note": note},
        headers=headers,
    )


def referred_to_me(world, headers):
    response = world.client.get("/api/v1/claims?queue=referred_to_me", headers=headers)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()]


def test_an_adjuster_above_their_authority_refers_to_a_named_senior_who_approves(
    world, holder, customer
):
    claim_id = verified_claim(world, holder, customer, amount="25000.00")
    adjuster = world.login(Role.ADJUSTER)  # not the assessor
    assert world.act(adjuster, claim_id, "approve").status_code == 403
    senior, other_senior = world.login(Role.SENIOR_ADJUSTER), world.login(Role.SENIOR_ADJUSTER)
    senior_id = user_id(world, senior)

    referred = refer(world, adjuster, claim_id, senior_id)
    assert referred.status_code == 200, referred.text
    assert referred.json()["referred_to_id"] == senior_id
    assert referred.json()["status"] == "coverage_verified"
    assert referred_to_me(world, senior) == [claim_id]
    assert referred_to_me(world, other_senior) == []
    assert referred_to_me(world, adjuster) == []

    timeline = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=senior).json()
    entry = timeline[-1]
    assert (entry["kind"], entry["reason"]) == ("referred", "Above my authority; please decide.")
    assert entry["data"] == {
        "to_user_id": senior_id,
        "to_role": "senior_adjuster",
        "amount": "25000.00",
    }
    customer_kinds = [
        e["kind"]
        for e in world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=customer).json()
    ]
    assert "referred" not in customer_kinds
    assert world.claim(customer, claim_id)["referred_to_id"] is None

    approved = world.act(senior, claim_id, "approve")
    assert approved.status_code == 200, approved.text
    assert referred_to_me(world, senior) == []  # decided: off the queue


def test_a_referral_to_someone_without_enough_authority_is_refused(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="150000.00")
    adjuster = world.login(Role.ADJUSTER)
    version = world.claim(adjuster, claim_id)["version"]
    cases = {
        "senior_adjuster": user_id(world, world.login(Role.SENIOR_ADJUSTER)),  # limit 100,000
        "investigator": user_id(world, world.login(Role.INVESTIGATOR)),  # no authority
        "customer": user_id(world, customer),
        "self": user_id(world, adjuster),
        "assessor": user_id(world, world.staff(Role.ADJUSTER)),
        "nobody": 999_999,
    }
    for name, target in cases.items():
        response = refer(world, adjuster, claim_id, target)
        assert response.status_code == 422, (name, response.text)
        assert response.json()["error"]["details"] == [{"field": "to_user_id"}], name
    assert "100,000.00" in refer(world, adjuster, claim_id, cases["senior_adjuster"]).text
    blank = refer(world, adjuster, claim_id, user_id(world, world.login(Role.SUPERVISOR)), note=" ")
    assert blank.status_code == 422
    assert world.claim(adjuster, claim_id)["version"] == version  # nothing changed

    supervisor = world.login(Role.SUPERVISOR)
    assert refer(world, adjuster, claim_id, user_id(world, supervisor)).status_code == 200
    assert referred_to_me(world, supervisor) == [claim_id]
    approved = world.act(
        supervisor,
        claim_id,
        "approve",
        waive_field_investigation=True,
        reason="Police report and hospital records settle the facts.",
    )
    assert approved.status_code == 200, approved.text


def test_only_handlers_refer_and_only_a_coverage_verified_claim(world, holder, customer):
    policy = world.policy(holder)
    claim = world.report(customer, policy).json()
    senior_id = user_id(world, world.login(Role.SENIOR_ADJUSTER))
    assert refer(world, world.staff(Role.ADJUSTER), claim["id"], senior_id).status_code == 409
    assert refer(world, customer, claim["id"], senior_id).status_code == 403
    assert refer(world, world.staff(Role.AUDITOR), claim["id"], senior_id).status_code == 403
    assert (
        world.client.get(
            "/api/v1/claims?queue=everything", headers=world.staff(Role.ADJUSTER)
        ).status_code
        == 422
    )
