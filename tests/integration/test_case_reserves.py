"""Case reserves: set at report from the table, changed by handlers with a reason, lowered
by payments, released when a claim ends; every step in the history and the ledger, and a
reserve edited behind the application's back caught by `audit verify`."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import text

from claimdesk.security.enums import Role


def as_dict(value):
    return value if isinstance(value, dict) else json.loads(value)  # SQLite gives the text


@pytest.fixture
def holder(world):
    return world.customer("韩梅", name_en="Han Mei")


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


def report(world, customer, holder, *, amount="5000.00", claim_type="inpatient", **policy):
    response = world.report(
        customer,
        world.policy(holder, **policy),
        amount=amount,
        claim_type=claim_type,
        bank_account_id=holder.bank_accounts[0].id,
    )
    assert response.status_code == 201, response.text
    return response.json()


def reserves(world, claim_id, headers=None):
    response = world.client.get(
        f"/api/v1/claims/{claim_id}/reserves", headers=headers or world.staff(Role.ADJUSTER)
    )
    assert response.status_code == 200, response.text
    return response.json()


def change(world, claim_id, amount, reason="Surgery planned / 计划手术", role=Role.ADJUSTER):
    return world.client.post(
        f"/api/v1/claims/{claim_id}/reserve",
        json={"amount": amount, "reason": reason},
        headers=world.staff(role),
    )


def verify(world):
    response = world.client.get("/api/v1/audit/verify", headers=world.staff(Role.AUDITOR))
    assert response.status_code == 200
    return response.json()


# ---------------------------------------------------------------- set at report


def test_a_reported_claim_gets_its_initial_reserve_from_the_table(world, customer, holder):
    claim = report(world, customer, holder, amount="5000.00")  # MED-HOSP inpatient: x 1.10
    staff_view = world.claim(world.staff(Role.ADJUSTER), claim["id"])
    assert staff_view["reserve_amount"] == "5500.00"
    assert staff_view["incurred_amount"] == "5500.00"
    [initial] = reserves(world, claim["id"])
    assert initial["kind"] == "initial"
    assert (initial["amount"], initial["previous_amount"]) == ("5500.00", "0.00")
    assert initial["actor_role"] == "customer"
    assert initial["data"]["rule"] == "claimed x 1.10, at least 2000.00"


def test_the_default_rule_reserves_the_claimed_amount(world, customer, holder):
    claim = report(world, customer, holder, amount="800.00", claim_type="outpatient")
    assert world.claim(world.staff(Role.ADJUSTER), claim["id"])["reserve_amount"] == "800.00"


def test_the_initial_reserve_is_capped_by_the_remaining_sum_insured(world, customer, holder):
    claim = report(world, customer, holder, amount="5000.00", sum_insured="3000")
    assert world.claim(world.staff(Role.ADJUSTER), claim["id"])["reserve_amount"] == "3000.00"


def test_customers_see_neither_the_reserve_nor_its_history(world, customer, holder):
    claim = report(world, customer, holder)
    own = world.claim(customer, claim["id"])
    assert own["reserve_amount"] is None
    assert own["incurred_amount"] is None
    response = world.client.get(f"/api/v1/claims/{claim['id']}/reserves", headers=customer)
    assert response.status_code == 403


# ---------------------------------------------------------------- changed by handlers


def test_a_handler_changes_the_reserve_with_a_reason(world, customer, holder):
    claim = report(world, customer, holder)
    response = change(world, claim["id"], "6100.00")
    assert response.status_code == 200, response.text
    assert response.json()["reserve_amount"] == "6100.00"
    assert response.json()["incurred_amount"] == "6100.00"
    latest, initial = reserves(world, claim["id"], world.staff(Role.AUDITOR))
    assert initial["kind"] == "initial"
    assert latest["kind"] == "changed"
    assert (latest["amount"], latest["previous_amount"]) == ("6100.00", "5500.00")
    assert latest["reason"] == "Surgery planned / 计划手术"
    assert latest["actor_role"] == "adjuster"
    assert latest["actor"] == {"id": latest["actor_id"], "role": "adjuster"}
    assert latest["actor_id"] is not None
    assert latest["at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-1.00", "reason": "typo"}, "amount"),
        ({"amount": "100.00", "reason": "   "}, "reason"),
        ({"amount": "5500.00", "reason": "same again"}, "amount"),
        ({"amount": "1.234", "reason": "three places"}, None),
        ({"amount": "abc", "reason": "not a number"}, None),
    ],
)
def test_a_bad_reserve_is_refused_with_422_and_changes_nothing(
    world, customer, holder, body, field
):
    claim = report(world, customer, holder)
    response = world.client.post(
        f"/api/v1/claims/{claim['id']}/reserve", json=body, headers=world.staff(Role.SUPERVISOR)
    )
    assert response.status_code == 422, response.text
    if field is not None:
        assert response.json()["error"]["details"] == [{"field": field}]
    assert world.claim(world.staff(Role.ADJUSTER), claim["id"])["reserve_amount"] == "5500.00"
    assert len(reserves(world, claim["id"])) == 1


@pytest.mark.parametrize("role", [Role.AGENT, Role.AUDITOR, Role.INVESTIGATOR])
def test_only_handlers_change_reserves(world, customer, holder, role):
    claim = report(world, customer, holder)
    assert change(world, claim["id"], "100.00", role=role).status_code == 403


def test_a_customer_cannot_change_the_reserve_of_their_own_claim(world, customer, holder):
    claim = report(world, customer, holder)
    response = world.client.post(
        f"/api/v1/claims/{claim['id']}/reserve",
        json={"amount": "1.00", "reason": "please"},
        headers=customer,
    )
    assert response.status_code == 403
    assert world.claim(world.staff(Role.ADJUSTER), claim["id"])["reserve_amount"] == "5500.00"


def test_the_reserve_of_a_claim_that_does_not_exist_is_404(world):
    assert change(world, 999999, "1.00").status_code == 404
    response = world.client.get(
        "/api/v1/claims/999999/reserves", headers=world.staff(Role.ADJUSTER)
    )
    assert response.status_code == 404


# ---------------------------------------------------------------- payments and release


def test_paying_lowers_the_reserve_and_closing_releases_the_rest(world, customer, holder):
    claim = report(world, customer, holder)
    paid = world.settle(customer, claim["id"], until="pay")
    amount = Decimal(paid["paid_amount"])
    assert 0 < amount < Decimal("5500.00")
    assert Decimal(paid["reserve_amount"]) == Decimal("5500.00") - amount
    assert paid["incurred_amount"] == "5500.00"  # paid + outstanding
    closed = world.act(world.staff(Role.ADJUSTER), claim["id"], "close").json()
    assert closed["reserve_amount"] == "0.00"
    assert Decimal(closed["incurred_amount"]) == amount
    kinds = [(r["kind"], r["amount"]) for r in reserves(world, claim["id"])]
    assert kinds == [
        ("released", "0.00"),
        ("paid", paid["reserve_amount"]),
        ("initial", "5500.00"),
    ]
    assert verify(world)["ok"] is True


def test_a_payment_above_the_reserve_leaves_it_at_zero(world, customer, holder):
    claim = report(world, customer, holder)
    world.settle(customer, claim["id"], until="approve")
    assert change(world, claim["id"], "10.00", "Most of it was paid elsewhere").status_code == 200
    paid = world.act(world.staff(Role.ADJUSTER), claim["id"], "pay").json()
    assert paid["reserve_amount"] == "0.00"
    assert paid["incurred_amount"] == paid["paid_amount"]


def test_denial_releases_the_reserve_and_reopening_sets_it_again(world, customer, holder):
    claim = report(world, customer, holder)
    adjuster = world.staff(Role.ADJUSTER)
    world.act(adjuster, claim["id"], "start_review").raise_for_status()
    denied = world.act(adjuster, claim["id"], "deny", reason="Not covered / 不在保障范围")
    assert denied.json()["reserve_amount"] == "0.00"
    refused = change(world, claim["id"], "100.00")
    assert refused.status_code == 409
    reopened = world.act(
        world.staff(Role.SENIOR_ADJUSTER), claim["id"], "reopen", reason="New evidence / 新证据"
    )
    assert reopened.json()["reserve_amount"] == "5500.00"
    kinds = [r["kind"] for r in reserves(world, claim["id"])]
    assert kinds == ["reopened", "released", "initial"]


def test_withdrawal_releases_the_reserve(world, customer, holder):
    claim = report(world, customer, holder)
    withdrawn = world.act(customer, claim["id"], "withdraw", reason="Recovered / 已康复")
    assert withdrawn.status_code == 200
    staff_view = world.claim(world.staff(Role.ADJUSTER), claim["id"])
    assert (staff_view["reserve_amount"], staff_view["incurred_amount"]) == ("0.00", "0.00")
    [released, _] = reserves(world, claim["id"])
    assert (released["kind"], released["previous_amount"]) == ("released", "5500.00")


# ---------------------------------------------------------------- ledger


def test_every_reserve_step_is_a_money_fact_with_amounts_and_actor(
    world, customer, holder, container
):
    claim = report(world, customer, holder)
    change(world, claim["id"], "6100.00").raise_for_status()
    world.settle(customer, claim["id"], until="pay")
    world.act(world.staff(Role.ADJUSTER), claim["id"], "close").raise_for_status()
    with container.engine.connect() as connection:
        facts = connection.execute(
            text(
                "SELECT action, actor_role, data FROM audit_entries "
                "WHERE subject_type = 'claim_money' AND action LIKE 'money.reserve%' "
                "ORDER BY seq"
            )
        ).all()
    assert [f.action for f in facts] == [
        "money.reserve_set",
        "money.reserve_changed",
        "money.reserve_changed",
        "money.reserve_released",
    ]
    data = [as_dict(f.data) for f in facts]
    assert [d["kind"] for d in data] == ["initial", "changed", "paid", "released"]
    assert data[1]["previous_amount"] == "5500.00"
    assert data[1]["reserve_amount"] == data[1]["amount"] == "6100.00"
    assert data[1]["reason"] == "Surgery planned / 计划手术"
    assert data[3]["amount"] == data[2]["reserve_amount"]  # the amount released
    assert data[3]["state"]["reserve_amount"] == "0.00"
    for fact, entry in zip(facts, data, strict=True):
        assert entry["account"] == f"reserve:{claim['id']}"
        assert entry["actor"]["role"] == fact.actor_role
    assert verify(world)["ok"] is True


def test_a_reserve_edited_behind_the_applications_back_fails_verify(
    world, customer, holder, container
):
    claim = report(world, customer, holder)
    change(world, claim["id"], "6100.00").raise_for_status()
    assert verify(world)["ok"] is True
    with container.engine.begin() as connection:
        connection.execute(
            text("UPDATE claims SET reserve_amount = 1.00 WHERE id = :id"), {"id": claim["id"]}
        )
    verdict = verify(world)
    assert verdict["ok"] is False
    assert f"claim {claim['number']}" in verdict["reason"]
    assert "reserve_amount is 1.00 but the ledger says 6100.00" in verdict["reason"]
    assert verdict["first_broken_seq"] is not None


def test_a_reserve_history_row_inserted_alone_does_not_change_the_claim(
    world, customer, holder, container
):
    """The history is what the application wrote; the ledger holds the amounts: a claim's
    reserve column is what verify reconciles, so a forged history row changes nothing."""
    claim = report(world, customer, holder)
    with container.engine.begin() as connection:
        connection.execute(
            text("UPDATE claims SET reserve_amount = 0 WHERE id = :id"), {"id": claim["id"]}
        )
    verdict = verify(world)
    assert verdict["ok"] is False
    assert "reserve_amount is 0.00 but the ledger says 5500.00" in verdict["reason"]
