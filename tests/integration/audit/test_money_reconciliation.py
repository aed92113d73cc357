"""Every money fact is in the ledger; a payment or a money column changed behind the
application's back (direct SQL) fails `audit verify`, naming the row."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from claimdesk.security.enums import Role


@pytest.fixture
def paid(world):
    """A claim paid in two parts (documents read, approved, paid): its id and number."""
    holder = world.customer("宋佳", name_en="Song Jia")
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(
        customer,
        world.policy(holder, "ACC-PLUS"),
        amount="900.00",
        claim_type="accidental_death_disability",
        bank_account_id=holder.bank_accounts[0].id,
    ).json()
    world.settle(customer, claim["id"], until="approve")
    adjuster = world.staff(Role.ADJUSTER)
    world.act(adjuster, claim["id"], "pay", amount="400.00").raise_for_status()
    world.act(adjuster, claim["id"], "pay").raise_for_status()
    return claim["id"], claim["number"]


def verify(world):
    response = world.client.get("/api/v1/audit/verify", headers=world.staff(Role.AUDITOR))
    assert response.status_code == 200
    return response.json()


def as_dict(value):
    return value if isinstance(value, dict) else json.loads(value)  # SQLite gives the text


def sql(container, statement, **params):
    with container.engine.begin() as connection:
        connection.execute(text(statement), params)


def test_each_money_fact_carries_amount_currency_account_and_actor(world, paid, container):
    claim_id, _ = paid
    with container.engine.connect() as connection:
        facts = connection.execute(
            text(
                "SELECT action, actor_role, data FROM audit_entries "
                "WHERE subject_type = 'claim_money' ORDER BY seq"
            )
        ).all()
    assert [f.action for f in facts] == [
        "money.claimed",
        "money.reserve_set",
        "money.assessed",
        "money.approved",
        "money.paid",
        "money.reserve_changed",  # each payment lowers the case reserve
        "money.paid",
        "money.reserve_changed",
    ]
    paid_facts = [f for f in facts if f.action == "money.paid"]
    assert [as_dict(f.data)["amount"] for f in paid_facts] == ["400.00", "500.00"]
    for fact in facts:
        data = as_dict(fact.data)
        assert data["claim_id"] == claim_id
        assert data["currency"] == "CNY"
        assert data["actor"]["role"] == fact.actor_role
        assert data["account"].startswith(("claim:", "bank_account:", "reserve:"))
    assert verify(world)["ok"] is True


def test_a_payment_inserted_behind_the_applications_back_is_named(world, paid, container):
    claim_id, _ = paid
    sql(
        container,
        "INSERT INTO payments (claim_id, idempotency_key, reference, amount, currency, "
        "bank_account_id, paid_at) SELECT claim_id, 'forged', 'PAYFORGED-01', 9999.00, 'CNY', "
        "bank_account_id, paid_at FROM payments WHERE claim_id = :id LIMIT 1",
        id=claim_id,
    )
    verdict = verify(world)
    assert verdict["ok"] is False
    assert "payment PAYFORGED-01" in verdict["reason"]
    assert "not in the ledger" in verdict["reason"]


def test_an_edited_payment_amount_is_named_with_its_ledger_entry(world, paid, container):
    _, number = paid
    sql(container, "UPDATE payments SET amount = 4000.00 WHERE reference LIKE '%-01'")
    verdict = verify(world)
    assert verdict["ok"] is False
    assert f"payment PAY{number}-01 was changed" in verdict["reason"]
    assert "amount is 4000.00 but the ledger says 400.00" in verdict["reason"]
    assert verdict["first_broken_seq"] is not None


def test_a_deleted_payment_is_named(world, paid, container):
    _, number = paid
    sql(container, "DELETE FROM payments WHERE reference LIKE '%-02'")
    verdict = verify(world)
    assert verdict["ok"] is False
    assert verdict["reason"].startswith(f"payment PAY{number}-02")
    assert "deleted" in verdict["reason"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("approved_amount", "90000.00"),
        ("paid_amount", "0.00"),
        ("assessed_amount", "1.00"),
        ("reserve_amount", "123.00"),
    ],
)
def test_an_edited_money_column_is_named(world, paid, container, column, value):
    claim_id, number = paid
    sql(container, f"UPDATE claims SET {column} = :value WHERE id = :id", value=value, id=claim_id)
    verdict = verify(world)
    assert verdict["ok"] is False
    assert (
        f"claim {number} (id {claim_id}) was changed outside the application" in (verdict["reason"])
    )
    assert f"{column} is {value}" in verdict["reason"]


def test_the_command_exits_1_naming_the_row(world, paid, container):
    env = {
        **os.environ,
        "CLAIMDESK_DATABASE_URL": container.settings.resolved_database_url,
        "CLAIMDESK_DATA_DIR": str(container.settings.data_dir),
        "CLAIMDESK_ENVIRONMENT": "test",
    }
    command = [sys.executable, "-m", "claimdesk", "audit", "verify"]
    intact = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert intact.returncode == 0, intact.stderr
    sql(container, "UPDATE payments SET amount = amount + 1")
    broken = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert broken.returncode == 1
    assert "was changed outside the application" in broken.stderr
