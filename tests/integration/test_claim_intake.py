"""Reporting a claim: acknowledgement, idempotency, channels and refusals of bad input."""

from datetime import date

import pytest

from claimdesk.security.enums import Role


@pytest.fixture
def holder(world):
    return world.customer("李雷")


@pytest.fixture
def policy(world, holder):
    return world.policy(holder)


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


def claim_count(world) -> int:
    return len(world.client.get("/api/v1/claims", headers=world.staff(Role.SUPERVISOR)).json())


def test_report_acknowledges_with_number_and_required_documents(world, policy, customer):
    response = world.report(customer, policy, channel="app")
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("CLM20260615")
    assert body["channel"] == "app"
    assert body["required_documents"][0] == {
        "kind": "id_card",
        "name_en": "Identity document of the insured (both sides)",
        "name_zh": "被保险人身份证件（正反面）",
    }
    assert body["loss_lines"][0]["amount"] == "5000.00"
    assert body["siu_referred"] is None  # risk flags are for staff eyes only


def test_same_idempotency_key_and_body_returns_the_same_claim(world, policy, customer):
    first = world.report(customer, policy, key="k-1")
    again = world.report(customer, policy, key="k-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert claim_count(world) == 1


def test_same_idempotency_key_with_a_different_body_is_refused(world, policy, customer):
    world.report(customer, policy, key="k-2")
    response = world.report(customer, policy, key="k-2", amount="6000.00")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]["message"]
    assert claim_count(world) == 1


def test_idempotency_keys_belong_to_their_user(world, policy, holder, customer):
    other = world.login(Role.CUSTOMER, holder)
    first = world.report(customer, policy, key="shared")
    second = world.report(other, policy, key="shared")
    assert second.json()["id"] != first.json()["id"]


def test_counter_intake_records_channel_and_clerk(world, policy, holder):
    agent = world.staff(Role.AGENT)
    response = world.report(agent, policy, channel="counter", customer_id=holder.id)
    assert response.status_code == 201
    body = response.json()
    assert body["channel"] == "counter"
    assert body["customer_id"] == holder.id
    me = world.client.get("/api/v1/auth/me", headers=agent).json()
    assert body["reported_by_id"] == me["user_id"]


def test_staff_intake_must_name_the_channel(world, policy):
    response = world.report(world.staff(Role.AGENT), policy)
    assert response.status_code == 422
    assert "channel" in response.json()["error"]["message"]


def test_customers_cannot_claim_to_be_a_counter(world, policy, customer):
    assert world.report(customer, policy, channel="counter").status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-10.00"}, "claimed_amount"),
        ({"amount": "0"}, "claimed_amount"),
        ({"amount": "twelve"}, "claimed_amount"),
        ({"amount": "10.001"}, "claimed_amount"),
        ({"incident_date": "2026-06-16"}, "incident_date"),
        ({"incident_date": "not-a-date"}, "incident_date"),
        ({"claim_type": "vehicle_damage"}, "claim_type"),
        ({"currency": "USD"}, None),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_input_is_refused_with_the_error_shape_and_changes_nothing(
    world, policy, customer, change, field
):
    response = world.report(customer, policy, **change)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["code"] in ("validation_failed",)
    assert error["message"]
    if field:
        assert field in response.text
    assert claim_count(world) == 0


def test_unknown_policy_is_refused(world, customer, policy):
    response = world.client.post(
        "/api/v1/claims",
        json={
            "policy_id": policy.id + 999,
            "claim_type": "inpatient",
            "incident_date": "2026-06-01",
            "description": "x",
            "claimed_amount": "10.00",
        },
        headers=customer,
    )
    assert response.status_code == 422
    assert "does not exist" in response.json()["error"]["message"]


def test_expired_policy_is_refused(world, holder, customer):
    old = world.policy(holder, start=date(2024, 1, 1), end=date(2024, 12, 31))
    response = world.report(customer, old, incident_date="2026-06-01")
    assert response.status_code == 422
    assert "not in force" in response.json()["error"]["message"]
    assert claim_count(world) == 0


def test_loss_lines_must_add_up_to_the_claimed_amount(world, policy, customer):
    response = world.report(
        customer,
        policy,
        amount="300.00",
        loss_lines=[{"description": "Ward", "amount": "100.00"}],
    )
    assert response.status_code == 422


def test_a_customer_cannot_claim_on_someone_elses_policy(world, policy):
    stranger = world.login(Role.CUSTOMER, world.customer("陌生人"))
    response = world.report(stranger, policy)
    assert response.status_code == 422
    assert claim_count(world) == 0


def test_auditors_cannot_report_claims(world, policy, holder):
    response = world.report(world.staff(Role.AUDITOR), policy, channel="phone")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
