"""The claim-status read (``GET /api/v1/claims/{id}``) signs in, loads and answers in one
database call of its own (on the event loop when the token and the claim are in memory):
it answers what the other claim routes answer, and it keeps every check of the other
signed-in routes (token, sign-out at once, rate limit, row level)."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from claimdesk.api.app import create_app
from claimdesk.security.enums import Role


@pytest.fixture
def holder(world):
    return world.customer("林晓", name_en="Lin Xiao")


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


@pytest.fixture
def claim_id(world, holder, customer):
    response = world.report(
        customer, world.policy(holder), bank_account_id=holder.bank_accounts[0].id
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize("role", [Role.ADJUSTER, Role.CUSTOMER])
def test_the_status_read_answers_the_claim_as_the_claim_list_shows_it(
    world, customer, claim_id, role
):
    headers = customer if role == Role.CUSTOMER else world.staff(role)
    read = world.client.get(f"/api/v1/claims/{claim_id}", headers=headers)
    listed = world.client.get("/api/v1/claims", headers=headers)
    assert read.status_code == 200 and read.headers["content-type"] == "application/json"
    assert read.json() == next(c for c in listed.json() if c["id"] == claim_id)


def test_the_status_read_answers_again_after_the_claim_changed(world, claim_id):
    adjuster = world.staff(Role.ADJUSTER)
    before = world.claim(adjuster, claim_id)
    moved = world.act(world.staff(Role.SUPERVISOR), claim_id, "start_review")
    assert moved.status_code == 200, moved.text
    after = world.claim(adjuster, claim_id)
    assert after["status"] != before["status"] and after["version"] > before["version"]


def test_the_status_read_needs_a_valid_token(world, claim_id):
    assert world.client.get(f"/api/v1/claims/{claim_id}").status_code == 401
    wrong = {"Authorization": "Bearer not-a-token"}
    assert world.client.get(f"/api/v1/claims/{claim_id}", headers=wrong).status_code == 401


def test_a_signed_out_token_cannot_read_a_status_on_the_next_request(world, claim_id):
    headers = world.login(Role.ADJUSTER)
    assert world.client.get(f"/api/v1/claims/{claim_id}", headers=headers).status_code == 200
    assert world.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert world.client.get(f"/api/v1/claims/{claim_id}", headers=headers).status_code == 401


def test_another_customer_does_not_see_the_claim(world, claim_id):
    other = world.login(Role.CUSTOMER, world.customer("王芳", name_en="Wang Fang"))
    assert world.client.get(f"/api/v1/claims/{claim_id}", headers=other).status_code == 404


def test_status_reads_count_against_the_users_rate_limit(container, world, claim_id):
    headers = world.login(Role.ADJUSTER)
    settings = container.settings.model_copy(update={"rate_limit_user": "3/minute"})
    app = create_app(dataclasses.replace(container, settings=settings))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            codes = [
                client.get(f"/api/v1/claims/{claim_id}", headers=headers).status_code
                for _ in range(4)
            ]
            refused = client.get(f"/api/v1/claims/{claim_id}", headers=headers)
    finally:
        create_app(container)  # the suite's container is the installed one again
    assert codes == [200, 200, 200, 429]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 120


@pytest.fixture
def statements(container):
    """The statements sent through the suite's engine (not the event loop's own)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    yield seen
    event.remove(container.engine, "before_cursor_execute", count)


def test_a_repeated_status_read_is_answered_on_the_event_loop(world, claim_id, statements):
    headers = world.login(Role.ADJUSTER)
    first = world.client.get(f"/api/v1/claims/{claim_id}", headers=headers)
    statements.clear()
    again = world.client.get(f"/api/v1/claims/{claim_id}", headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert statements == []  # its one query went through the loop's connection


def test_a_status_read_on_the_event_loop_keeps_every_check(world, claim_id):
    headers = world.login(Role.ADJUSTER)
    assert world.client.get(f"/api/v1/claims/{claim_id}", headers=headers).status_code == 200
    other = world.login(Role.CUSTOMER, world.customer("王芳", name_en="Wang Fang"))
    world.client.get(f"/api/v1/claims/{claim_id}", headers=other)  # signed in once
    assert world.client.get(f"/api/v1/claims/{claim_id}", headers=other).status_code == 404
    missing = world.client.get(f"/api/v1/claims/{claim_id + 1000}", headers=headers)
    assert missing.status_code == 404
    too_big = world.client.get(f"/api/v1/claims/{2**63}", headers=headers)
    assert too_big.status_code == 422, too_big.text


def test_a_lost_loop_connection_leaves_the_read_to_a_worker_thread(
    container, world, claim_id, statements
):
    headers = world.login(Role.ADJUSTER)
    first = world.client.get(f"/api/v1/claims/{claim_id}", headers=headers)
    container.loop_reads.close()  # as after the database dropped it
    statements.clear()
    again = world.client.get(f"/api/v1/claims/{claim_id}", headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert statements  # read in a worker thread, which opened the loop's connection again
    statements.clear()
    assert world.client.get(f"/api/v1/claims/{claim_id}", headers=headers).status_code == 200
    assert statements == []
