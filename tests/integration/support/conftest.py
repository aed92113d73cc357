"""A service desk to test against: one team with a lead, a supervisor and two agents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from claimdesk.core.db import unit_of_work
from claimdesk.customers.models import Customer
from claimdesk.customers.schemas import CustomerIn
from claimdesk.customers.service import create_customer
from claimdesk.security.enums import Role
from claimdesk.support import clocks
from tests.factories import World


@dataclass
class Person:
    headers: dict[str, str]
    id: int
    username: str


def sign_in(world: World, role: Role, customer: Customer | None = None) -> Person:
    headers = world.login(role, customer)
    me = world.client.get("/api/v1/auth/me", headers=headers).json()
    return Person(headers, me["user_id"], world.last_username)


class Desk:
    def __init__(self, world: World, rule: str = "round_robin") -> None:
        self.world = world
        self.lead = sign_in(world, Role.AGENT)
        self.supervisor = sign_in(world, Role.SUPERVISOR)
        self.agents = [sign_in(world, Role.AGENT), sign_in(world, Role.AGENT)]
        response = world.client.post(
            "/api/v1/teams",
            json={
                "code": "service",
                "name": "Customer service / 客服",
                "kinds": ["consultation", "claim_inquiry", "complaint", "follow_up"],
                "assignment_rule": rule,
                "lead_id": self.lead.id,
                "supervisor_id": self.supervisor.id,
                "member_ids": [a.id for a in self.agents],
            },
            headers=self.supervisor.headers,
        )
        assert response.status_code == 201, response.text
        self.team_id = response.json()["id"]

    def open(self, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
        body = {"kind": "consultation", "subject": "保单咨询", "body": "How do I claim?", **fields}
        response = self.world.client.post("/api/v1/tickets", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    def get(self, headers: dict[str, str], ticket_id: int) -> dict[str, Any]:
        response = self.world.client.get(f"/api/v1/tickets/{ticket_id}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def act(self, headers: dict[str, str], ticket_id: int, action: str, **fields: Any):
        return self.world.client.post(
            f"/api/v1/tickets/{ticket_id}/transitions",
            json={"action": action, **fields},
            headers=headers,
        )

    def say(self, headers: dict[str, str], ticket_id: int, body: str, internal: bool = False):
        return self.world.client.post(
            f"/api/v1/tickets/{ticket_id}/messages",
            json={"body": body, "internal": internal},
            headers=headers,
        )

    def sweep(self, after: timedelta = timedelta(0)) -> clocks.SweepResult:
        clock = self.world.container.clock
        clock.advance(after)  # type: ignore[attr-defined]
        with unit_of_work(self.world.container.sessions) as session:
            return clocks.sweep(session, now=clock.now())

    def alerts(self, person: Person) -> list[dict[str, Any]]:
        response = self.world.client.get("/api/v1/sla/alerts", headers=person.headers)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def desk(world: World) -> Desk:
    return Desk(world)


def make_customer(world: World, *, locale: str = "zh-CN", email: str | None = None) -> Customer:
    with unit_of_work(world.container.sessions) as session:
        return create_customer(
            session,
            data=CustomerIn(
                name="李雷",
                name_en="Li Lei",
                id_number="110101199001019999",
                phone="13900000000",
                email=email,
                preferred_locale=locale,
            ),
            now=world.now,
        )
