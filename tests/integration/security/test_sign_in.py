"""Sign-in: password rules, lockout after repeated failures, tokens that expire and revoke,
and the ledger records who got which role and every lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, text
from typer.testing import CliRunner

from claimdesk.cli import main as cli
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import ValidationFailed
from claimdesk.security.enums import Role
from claimdesk.security.service import create_user
from tests.factories import PASSWORD

TOKEN = "/api/v1/auth/token"


def make_user(world, username: str, role: Role = Role.ADJUSTER) -> None:
    with unit_of_work(world.container.sessions) as session:
        create_user(
            session,
            username=username,
            password=PASSWORD,
            role=role,
            now=world.now,
            hasher=world.container.hasher,
        )


def sign_in(world, username: str, password: str = PASSWORD):
    return world.client.post(TOKEN, data={"username": username, "password": password})


def ledger_actions(container) -> list[str]:
    with container.engine.connect() as connection:
        return [a for (a,) in connection.execute(text("SELECT action FROM audit_entries"))]


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-1", "at least 10"),
        ("Zhang.Wei.01", "not be the username"),
        ("password123", "most common"),
        ("qwertyuiop", "most common"),
    ],
)
def test_weak_passwords_are_refused_when_a_user_is_created(world, password, why):
    with pytest.raises(ValidationFailed, match=why), unit_of_work(world.container.sessions) as s:
        create_user(
            s,
            username="zhang.wei.01",
            password=password,
            role=Role.AGENT,
            now=world.now,
            hasher=world.container.hasher,
        )


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(world, clock, container):
    make_user(world, "wang.fang")
    answers = [sign_in(world, "wang.fang", "wrong-password-x") for _ in range(5)]
    assert [r.status_code for r in answers] == [401, 401, 401, 401, 423]
    locked = answers[-1]
    assert locked.json()["error"]["code"] == "account_locked"
    assert "15 minute" in locked.json()["error"]["message"]
    assert int(locked.headers["Retry-After"]) == 15 * 60
    # The right password does not open a locked account...
    assert sign_in(world, "wang.fang").status_code == 423
    # ...until the lock has run out.
    clock.at = clock.now() + timedelta(minutes=15, seconds=1)
    assert sign_in(world, "wang.fang").status_code == 200
    assert "user.locked" in ledger_actions(container)


def test_failures_spread_beyond_the_window_do_not_lock(world, clock):
    make_user(world, "li.lei")
    for _ in range(4):
        assert sign_in(world, "li.lei", "wrong-password-x").status_code == 401
    clock.at = clock.now() + timedelta(minutes=16)
    assert sign_in(world, "li.lei", "wrong-password-x").status_code == 401
    assert sign_in(world, "li.lei").status_code == 200


def test_a_successful_sign_in_clears_the_failures(world):
    make_user(world, "zhao.min")
    for _ in range(4):
        sign_in(world, "zhao.min", "wrong-password-x")
    assert sign_in(world, "zhao.min").status_code == 200
    assert sign_in(world, "zhao.min", "wrong-password-x").status_code == 401


def test_a_token_stops_working_when_it_expires(world, clock, container):
    headers = world.staff(Role.ADJUSTER)
    assert world.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    clock.at = clock.now() + timedelta(minutes=container.settings.token_ttl_minutes)
    expired = world.client.get("/api/v1/auth/me", headers=headers)
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]


def test_a_token_stops_working_when_it_is_signed_out(world):
    headers = world.staff(Role.ADJUSTER)
    assert world.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert world.client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_cached_token_signs_in_on_the_event_loop(world, container):
    """The second request of a token reads the auth epoch on the event loop's own
    connection: nothing of the sign-in goes through the worker threads' engine."""
    headers = world.staff(Role.ADJUSTER)
    assert world.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        assert world.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
    assert not [s for s in seen if "auth_epochs" in s or "api_tokens" in s]


def test_role_changes_are_recorded_in_the_ledger(world, container, monkeypatch):
    make_user(world, "sun.li")
    changed = CliRunner().invoke(
        cli.app, ["user", "set-role", "sun.li", "--role", "supervisor"], obj=container
    )
    assert changed.exit_code == 0, changed.output
    assert "adjuster -> supervisor" in changed.output
    with container.engine.connect() as connection:
        data = connection.execute(
            text("SELECT data FROM audit_entries WHERE action = 'user.role_changed'")
        ).scalar_one()
    assert '"supervisor"' in str(data).replace("'", '"')
    verdict = world.client.get("/api/v1/audit/verify", headers=world.staff(Role.AUDITOR)).json()
    assert verdict["ok"] is True
