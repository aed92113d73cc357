"""Sensitive fields are encrypted at rest, found through keyed hashes, masked for roles that
do not need them, kept out of logs, and every read in clear is logged."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from claimdesk.audit.models import SensitiveAccess
from claimdesk.cli import main as cli
from claimdesk.security import crypto
from claimdesk.security.enums import Role

ID_NUMBER = "310104198807152468"
PHONE = "13912345678"
ACCOUNT = "6217000011112222333"
NEW_CUSTOMER = {
    "name": "钱多多",
    "id_number": ID_NUMBER,
    "phone": PHONE,
    "bank_accounts": [{"bank_name": "CCB", "account_number": ACCOUNT, "holder_name": "钱多多"}],
}


@pytest.fixture
def created(world):
    response = world.client.post(
        "/api/v1/customers", json=NEW_CUSTOMER, headers=world.staff(Role.AGENT)
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def keyring_restored(container) -> Iterator[None]:
    """Tests that install another key ring put the container's back afterwards."""
    before = crypto.keyring()
    yield
    crypto.install(before)


def stored_row(container, customer_id: int) -> dict:
    with container.engine.connect() as connection:
        row = connection.execute(
            text("SELECT id_number, phone, id_number_hash FROM customers WHERE id = :id"),
            {"id": customer_id},
        ).one()
        account = connection.execute(
            text("SELECT account_number FROM bank_accounts WHERE customer_id = :id"),
            {"id": customer_id},
        ).scalar_one()
    return {"id_number": row[0], "phone": row[1], "hash": row[2], "account": account}


def test_sensitive_fields_are_stored_as_ciphertexts_with_a_key_id(container, created):
    row = stored_row(container, created["id"])
    for field in ("id_number", "phone", "account"):
        assert row[field].startswith("enc1:"), field
    assert ID_NUMBER not in str(row) and PHONE not in str(row) and ACCOUNT not in str(row)
    assert len(row["hash"]) == 64


def test_the_database_file_holds_no_sensitive_value_in_clear(container, created):
    if container.engine.dialect.name != "sqlite":
        pytest.skip("reads the SQLite file's bytes")
    container.engine.dispose()  # checkpoint the WAL into the file
    database = Path(container.engine.url.database)
    data = b"".join(
        p.read_bytes() for p in database.parent.glob(database.name + "*") if p.is_file()
    )
    for value in (ID_NUMBER, PHONE, ACCOUNT):
        assert value.encode() not in data, value


def test_sensitive_values_never_reach_the_logs(world, caplog):
    caplog.set_level(logging.DEBUG)
    response = world.client.post(
        "/api/v1/customers", json=NEW_CUSTOMER, headers=world.staff(Role.AGENT)
    )
    world.client.get(f"/api/v1/customers/{response.json()['id']}", headers=world.staff(Role.AGENT))
    assert caplog.records, "nothing was logged, so the check proves nothing"
    for value in (ID_NUMBER, PHONE, ACCOUNT):
        assert value not in caplog.text


def test_roles_that_do_not_need_them_see_the_values_masked(world, created):
    shown = world.client.get(
        f"/api/v1/customers/{created['id']}", headers=world.staff(Role.AUDITOR)
    ).json()
    assert shown["id_number"] == "310***********2468"
    assert shown["phone"] == "139****5678"
    assert shown["bank_accounts"][0]["account_number"] == "6217***********2333"


def test_a_read_in_clear_is_logged_with_who_what_and_why(world, container, created):
    agent = world.staff(Role.AGENT)
    shown = world.client.get(f"/api/v1/customers/{created['id']}", headers=agent).json()
    assert (shown["id_number"], shown["phone"]) == (ID_NUMBER, PHONE)
    me = world.client.get("/api/v1/auth/me", headers=agent).json()
    with container.sessions() as session:
        reads = session.scalars(
            select(SensitiveAccess).where(
                SensitiveAccess.purpose == f"GET /api/v1/customers/{created['id']}"
            )
        ).all()
    assert {(r.table_name, r.field) for r in reads} == {
        ("customers", "id_number"),
        ("customers", "phone"),
        ("bank_accounts", "account_number"),
    }
    assert {(r.user_id, r.role) for r in reads} == {(me["user_id"], "agent")}


def test_a_masked_read_is_not_logged(world, container, created):
    world.client.get(f"/api/v1/customers/{created['id']}", headers=world.staff(Role.AUDITOR))
    with container.sessions() as session:
        roles = set(session.scalars(select(SensitiveAccess.role)))
    assert "auditor" not in roles


def test_staff_find_a_customer_by_id_number_through_the_keyed_hash(world, created):
    found = world.client.get(
        "/api/v1/customers",
        params={"id_number": ID_NUMBER.lower()},
        headers=world.staff(Role.ADJUSTER),
    )
    assert found.status_code == 200, found.text
    assert [c["id"] for c in found.json()] == [created["id"]]
    nobody = world.client.get(
        "/api/v1/customers", params={"id_number": "0" * 18}, headers=world.staff(Role.ADJUSTER)
    )
    assert nobody.json() == []


def test_rotate_keys_moves_every_value_to_the_new_key_and_data_stays_readable(
    world, container, created, keyring_restored, monkeypatch
):
    old = crypto.keyring()
    fresh = crypto.new_key()
    rotated = crypto.Keyring(
        keys={**old.keys, "2027": base64.b64decode(fresh)},
        active="2027",
        search_key=old.search_key,
        signing_seed=old.signing_seed,
    )
    crypto.install(rotated)
    result = CliRunner().invoke(cli.app, ["security", "rotate-keys"], obj=container)
    assert result.exit_code == 0, result.output
    assert "customers.id_number" in result.output
    row = stored_row(container, created["id"])
    assert all(crypto.key_id(row[f]) == "2027" for f in ("id_number", "phone", "account"))
    # The old key can now leave the ring: everything decrypts with the new one alone.
    crypto.install(
        crypto.Keyring(
            keys={"2027": rotated.keys["2027"]},
            active="2027",
            search_key=old.search_key,
            signing_seed=old.signing_seed,
        )
    )
    shown = world.client.get(f"/api/v1/customers/{created['id']}", headers=world.staff(Role.AGENT))
    assert shown.json()["id_number"] == ID_NUMBER


def test_values_left_in_clear_are_encrypted_by_rotate_keys(world, container, created, monkeypatch):
    with container.engine.begin() as connection:
        connection.execute(
            text("UPDATE customers SET phone = :p WHERE id = :id"),
            {"p": PHONE, "id": created["id"]},
        )
    result = CliRunner().invoke(cli.app, ["security", "rotate-keys"], obj=container)
    assert result.exit_code == 0, result.output
    assert stored_row(container, created["id"])["phone"].startswith("enc1:")
