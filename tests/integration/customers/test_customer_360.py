"""Customer 360 over HTTP: everything in one call, for the customer and for staff only."""

from __future__ import annotations

from datetime import date

from claimdesk.core.db import unit_of_work
from claimdesk.customers import loyalty
from claimdesk.security.enums import Role
from claimdesk.support.models import Survey
from tests.factories import World


def test_a_customer_sees_their_whole_360_in_one_call(world: World) -> None:
    customer = world.customer()
    policy = world.policy(customer, start=date(2026, 5, 1), end=date(2027, 4, 30))
    headers = world.login(Role.CUSTOMER, customer)
    claim = world.report(headers, policy).json()
    ticket = world.client.post(
        "/api/v1/tickets",
        json={"kind": "consultation", "subject": "Q", "body": "How long?"},
        headers=headers,
    )
    assert ticket.status_code == 201

    response = world.client.get(f"/api/v1/customers/{customer.id}/360", headers=headers)
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["profile"]["id"] == customer.id
    assert [p["id"] for p in view["policies"]] == [policy.id]
    assert view["policies"][0]["in_force"] is True
    assert [c["id"] for c in view["claims"]] == [claim["id"]]
    assert [t["id"] for t in view["tickets"]] == [ticket.json()["id"]]
    assert view["notifications"], "the claim report notified the customer"
    assert view["loyalty"]["balance"] == 50  # the claim reported online
    assert view["loyalty"]["tier"]["code"] == "standard"
    assert view["loyalty"]["points_to_next_tier"] == 450
    # Internal labels are for staff only: the customer sees none of them.
    assert view["lifecycle_stage"] is None
    assert view["next_best_service"] is None
    assert view["segment"] is None
    staff_view = world.client.get(
        f"/api/v1/customers/{customer.id}/360", headers=world.staff(Role.AGENT)
    ).json()
    # First policy 45 days ago: a new customer, and the rule says so.
    assert staff_view["lifecycle_stage"]["code"] == "new"
    assert staff_view["lifecycle_stage"]["rule"] == "first_policy_recent"
    assert staff_view["next_best_service"]["code"] == "welcome_call"
    assert staff_view["segment"] is None  # no segmentation run yet


def test_another_customer_gets_not_found_and_staff_need_the_permission(world: World) -> None:
    owner = world.customer()
    url = f"/api/v1/customers/{owner.id}/360"
    stranger = world.login(Role.CUSTOMER, world.customer())
    assert world.client.get(url, headers=stranger).status_code == 404
    assert world.client.get(url, headers=world.staff(Role.AGENT)).status_code == 200
    assert world.client.get(url, headers=world.staff(Role.INVESTIGATOR)).status_code == 403


def test_a_low_score_puts_the_customer_at_risk_and_suggests_a_call(world: World) -> None:
    customer = world.customer()
    world.policy(customer, start=date(2024, 1, 1), end=date(2026, 12, 31))
    with unit_of_work(world.container.sessions) as session:
        session.add(
            Survey(
                key="low-1", subject="ticket", customer_id=customer.id, channel="web",
                created_at=world.now, expires_at=world.now, score=1, responded_at=world.now,
            )
        )  # fmt: skip
    view = world.client.get(
        f"/api/v1/customers/{customer.id}/360", headers=world.staff(Role.SUPERVISOR)
    ).json()
    assert (view["lifecycle_stage"]["code"], view["lifecycle_stage"]["rule"]) == (
        "at_risk",
        "low_csat",
    )
    assert view["next_best_service"]["code"] == "call_after_low_csat"
    assert view["surveys"][0]["score"] == 1


def test_loyalty_shows_the_tier_benefits_and_movements(world: World) -> None:
    customer = world.customer()
    with unit_of_work(world.container.sessions) as session:
        for n in range(8):
            loyalty.earn(
                session, customer_id=customer.id, reason="renewal", key=f"r{n}", now=world.now
            )
    view = world.client.get(
        f"/api/v1/customers/{customer.id}/loyalty", headers=world.login(Role.CUSTOMER, customer)
    ).json()
    assert view["balance"] == 1600 and view["tier"]["code"] == "gold"
    assert any("24" in b for b in view["tier"]["benefits_en"])
    assert len(view["entries"]) == 8 and view["entries"][0]["balance_after"] == 1600


def test_a_customer_at_risk_never_reads_their_internal_labels(world: World) -> None:
    customer = world.customer()
    world.policy(customer, start=date(2024, 1, 1), end=date(2026, 12, 31))
    with unit_of_work(world.container.sessions) as session:
        session.add(
            Survey(
                key="low-2", subject="ticket", customer_id=customer.id, channel="web",
                created_at=world.now, expires_at=world.now, score=1, responded_at=world.now,
            )
        )  # fmt: skip
    own = world.client.get(
        f"/api/v1/customers/{customer.id}/360", headers=world.login(Role.CUSTOMER, customer)
    )
    assert own.status_code == 200
    assert "at_risk" not in own.text and "call_after_low_csat" not in own.text
    assert own.json()["surveys"][0]["score"] == 1  # their own answer stays visible
    for role in (Role.AGENT, Role.AUDITOR, Role.ADMIN):
        staff = world.client.get(f"/api/v1/customers/{customer.id}/360", headers=world.staff(role))
        assert staff.json()["lifecycle_stage"]["code"] == "at_risk"
