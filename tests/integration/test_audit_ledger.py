"""The audit ledger records every timeline entry and user change, and finds tampering."""

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from claimdesk.cli import main as cli
from claimdesk.security.enums import Role


@pytest.fixture
def paid_claim(world):
    holder = world.customer("孙俪")
    policy = world.policy(holder, "ACC-PLUS")
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(
        customer,
        policy,
        amount="800.00",
        claim_type="accidental_death_disability",
        bank_account_id=holder.bank_accounts[0].id,
    ).json()
    world.settle(customer, claim["id"], until="pay")
    return claim


def verify(world):
    response = world.client.get("/api/v1/audit/verify", headers=world.staff(Role.AUDITOR))
    assert response.status_code == 200
    return response.json()


def test_every_decision_and_user_is_in_an_intact_ledger(world, paid_claim, container):
    verdict = verify(world)
    assert verdict["ok"] is True
    with container.engine.connect() as connection:
        actions = connection.execute(text("SELECT action FROM audit_entries ORDER BY seq"))
        actions = [a for (a,) in actions]
    assert actions.count("user.created") == 5  # the customer and four members of staff
    assert [a for a in actions if a.startswith("claim.") and a != "claim.document_uploaded"] == [
        "claim.reported",
        "claim.start_review",
        "claim.request_documents",
        "claim.submit_documents",
        "claim.assess",
        "claim.verify_coverage",
        "claim.approve",
        "claim.pay",
    ]
    assert actions.count("claim.document_uploaded") == 5
    assert [a for a in actions if a.startswith("money.")] == [
        "money.claimed",
        "money.reserve_set",
        "money.assessed",
        "money.approved",
        "money.paid",
        "money.reserve_changed",  # the payment lowered the case reserve
    ]
    assert verdict["entries"] == len(actions)


def test_an_edited_timeline_entry_is_detected(world, paid_claim, container):
    with container.engine.begin() as connection:
        connection.execute(
            text("UPDATE claim_events SET reason = 'backdated' WHERE kind = 'approve'")
        )
    verdict = verify(world)
    assert verdict["ok"] is False
    assert "was changed" in verdict["reason"]


def test_an_edited_ledger_entry_is_detected_at_its_position(world, paid_claim, container):
    with container.engine.begin() as connection:
        seq = connection.execute(
            text("SELECT seq FROM audit_entries WHERE action = 'claim.pay'")
        ).scalar_one()
        connection.execute(
            text("UPDATE audit_entries SET actor_role = 'supervisor' WHERE seq = :seq"),
            {"seq": seq},
        )
    verdict = verify(world)
    assert (verdict["ok"], verdict["first_broken_seq"]) == (False, seq)


def test_customers_and_adjusters_cannot_run_verification(world, paid_claim):
    response = world.client.get("/api/v1/audit/verify", headers=world.staff(Role.ADJUSTER))
    assert response.status_code == 403


def test_cli_verify_exits_non_zero_on_tampering(world, paid_claim, container, monkeypatch):
    runner = CliRunner()
    intact = runner.invoke(cli.app, ["audit", "verify"], obj=container)
    assert intact.exit_code == 0, intact.output
    assert "Ledger intact" in intact.output
    with container.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    broken = runner.invoke(cli.app, ["audit", "verify"], obj=container)
    assert broken.exit_code == 1
    assert "entry 2" in broken.output
