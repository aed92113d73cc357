"""One customer per ID number: a second one is refused (409), duplicates found later merge."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from claimdesk.audit.models import AuditEntry
from claimdesk.core.db import unit_of_work
from claimdesk.customers.merge import count_duplicates
from claimdesk.customers.models import Customer
from claimdesk.security.enums import Role
from tests.factories import World


def _payload(id_number: str) -> dict[str, Any]:
    return {"name": "王五", "id_number": id_number, "phone": "13900000000"}


def test_a_second_customer_with_the_same_id_number_is_refused_naming_the_first(
    world: World,
) -> None:
    agent = world.staff(Role.AGENT)
    first = world.client.post(
        "/api/v1/customers", json=_payload("110101199001011111"), headers=agent
    )
    assert first.status_code == 201, first.text
    again = world.client.post(
        "/api/v1/customers", json=_payload("110101199001011111"), headers=agent
    )
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["details"] == [{"existing_customer_id": first.json()["id"]}]
    assert str(first.json()["id"]) in error["message"]
    other = world.client.post(
        "/api/v1/customers", json=_payload("110101199001012222"), headers=agent
    )
    assert other.status_code == 201


def test_customers_and_auditors_cannot_create_customers(world: World) -> None:
    me = world.customer()
    for headers in (world.login(Role.CUSTOMER, me), world.staff(Role.AUDITOR)):
        response = world.client.post(
            "/api/v1/customers", json=_payload("110101199001011111"), headers=headers
        )
        assert response.status_code == 403, response.text


def _duplicate(world: World, survivor: Customer) -> Customer:
    """A record created before the check existed, for the same person."""
    with unit_of_work(world.container.sessions) as session:
        original = session.get(Customer, survivor.id)
        assert original is not None
        copy = Customer(name=original.name, id_number=original.id_number, created_at=world.now)
        session.add(copy)
        session.flush()
        return copy


def test_a_duplicate_found_later_is_merged_with_its_policies_claims_and_tickets(
    world: World,
) -> None:
    survivor = world.customer()
    duplicate = _duplicate(world, survivor)
    policy = world.policy(duplicate)
    dup_headers = world.login(Role.CUSTOMER, duplicate)
    claim = world.report(dup_headers, policy).json()
    ticket = world.client.post(
        "/api/v1/tickets",
        json={"kind": "consultation", "subject": "Q", "body": "?"},
        headers=dup_headers,
    ).json()
    assert world.client.get(f"/api/v1/claims/{claim['id']}", headers=dup_headers).status_code == 200
    with unit_of_work(world.container.sessions) as session:
        assert count_duplicates(session) == 1

    url = f"/api/v1/customers/{survivor.id}/merge"
    body = {"duplicate_id": duplicate.id, "reason": "same person, registered twice"}
    assert world.client.post(url, json=body, headers=world.staff(Role.ADJUSTER)).status_code == 403
    assert world.client.post(url, json=body, headers=world.staff(Role.AUDITOR)).status_code == 403
    assert world.client.post(url, json=body, headers=dup_headers).status_code == 403
    response = world.client.post(url, json=body, headers=world.staff(Role.ADMIN))
    assert response.status_code == 200, response.text
    moved = response.json()["moved"]
    assert moved["policies.holder_id"] == 1
    assert moved["claims.customer_id"] == 1
    assert moved["tickets.customer_id"] == 1

    # The claim now belongs to the survivor, also for reads from the claims cache.
    survivor_headers = world.login(Role.CUSTOMER, survivor)
    moved_claim = world.client.get(f"/api/v1/claims/{claim['id']}", headers=survivor_headers)
    assert moved_claim.status_code == 200
    assert moved_claim.json()["customer_id"] == survivor.id
    staff = world.staff(Role.SUPERVISOR)
    view = world.client.get(f"/api/v1/customers/{survivor.id}/360", headers=staff).json()
    assert [c["id"] for c in view["claims"]] == [claim["id"]]
    assert [t["id"] for t in view["tickets"]] == [ticket["id"]]
    assert [p["id"] for p in view["policies"]] == [policy.id]
    assert view["loyalty"]["balance"] == 50  # the duplicate's points came along
    with unit_of_work(world.container.sessions) as session:
        assert count_duplicates(session) == 0
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "customer.merged")
        ).one()
        assert entry.data["duplicate_id"] == duplicate.id
    # Searching by the ID number finds the one record left; merging again is refused.
    found = world.client.get(
        "/api/v1/customers", params={"id_number": survivor.id_number}, headers=staff
    ).json()
    assert [c["id"] for c in found] == [survivor.id]
    again = world.client.post(url, json=body, headers=world.staff(Role.ADMIN))
    assert again.status_code == 409
    assert world.client.get("/api/v1/audit/verify", headers=staff).json()["ok"] is True


def test_merging_a_customer_into_themself_or_a_missing_one_is_a_clear_4xx(world: World) -> None:
    me = world.customer()
    admin = world.staff(Role.ADMIN)
    url = f"/api/v1/customers/{me.id}/merge"
    itself = world.client.post(url, json={"duplicate_id": me.id, "reason": "x"}, headers=admin)
    assert itself.status_code == 422
    missing = world.client.post(url, json={"duplicate_id": 999999, "reason": "x"}, headers=admin)
    assert missing.status_code == 404


def test_without_a_member_of_staff_the_refusal_names_no_customer(world: World) -> None:
    import pytest

    from claimdesk.core.errors import Conflict
    from claimdesk.customers.schemas import CustomerIn
    from claimdesk.customers.service import create_customer

    holder = world.customer()
    data = CustomerIn(name="冒名", id_number=holder.id_number)
    with unit_of_work(world.container.sessions) as session, pytest.raises(Conflict) as refused:
        create_customer(session, data=data, now=world.now)
    assert refused.value.details == []
    assert str(holder.id) not in refused.value.message
