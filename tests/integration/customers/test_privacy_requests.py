"""Correction and erasure requests become tickets for the privacy desk."""

from __future__ import annotations

from claimdesk.security.enums import Role
from tests.factories import World


def test_a_customer_asks_for_erasure_and_the_privacy_desk_gets_the_ticket(world: World) -> None:
    supervisor = world.staff(Role.SUPERVISOR)
    desk = world.client.post(
        "/api/v1/teams",
        json={"code": "privacy", "name": "Privacy desk 个人信息保护",
              "kinds": ["privacy_correction", "privacy_erasure"]},
        headers=supervisor,
    )  # fmt: skip
    assert desk.status_code == 201, desk.text
    customer = world.customer()
    headers = world.login(Role.CUSTOMER, customer)
    response = world.client.post(
        f"/api/v1/customers/{customer.id}/privacy-requests",
        json={"request": "erasure", "details": "Please erase my phone number."},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["kind"] == "privacy_erasure"
    assert ticket["team_id"] == desk.json()["id"]
    assert ticket["customer_id"] == customer.id
    assert ticket["messages"][0]["body"] == "Please erase my phone number."
    assert {c["metric"] for c in ticket["sla"]} == {"first_response", "resolution"}
    mine = world.client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers)
    assert mine.status_code == 200


def test_a_correction_for_someone_else_is_refused_and_staff_may_take_one(world: World) -> None:
    owner = world.customer()
    url = f"/api/v1/customers/{owner.id}/privacy-requests"
    body = {"request": "correction", "details": "My address is 1 Nanjing Road."}
    stranger = world.login(Role.CUSTOMER, world.customer())
    assert world.client.post(url, json=body, headers=stranger).status_code == 404
    assert world.client.post(url, json=body, headers=world.staff(Role.AUDITOR)).status_code == 403
    for role in (Role.AGENT, Role.ADJUSTER, Role.ADMIN):
        taken = world.client.post(url, json=body, headers=world.staff(role))
        assert taken.status_code == 201, taken.text
        assert taken.json()["kind"] == "privacy_correction"
    own = world.client.post(url, json=body, headers=world.login(Role.CUSTOMER, owner))
    assert own.status_code == 201
    wrong = world.client.post(
        url, json={"request": "forget", "details": "x"}, headers=world.staff(Role.AGENT)
    )
    assert wrong.status_code == 422
