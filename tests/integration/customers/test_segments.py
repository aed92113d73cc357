"""Behaviour segments: customers who behave differently land apart, and each segment is
named and explained from its centroid."""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from claimdesk.cli import customers as cli
from claimdesk.security.enums import Role
from tests.factories import World


def make_people(world: World) -> tuple[list[int], list[int]]:
    """Four frequent online claimants with new policies; four long-standing quiet ones."""
    heavy, quiet = [], []
    for _ in range(4):
        customer = world.customer()
        policy = world.policy(customer, start=date(2026, 3, 1), end=date(2027, 2, 28))
        headers = world.login(Role.CUSTOMER, customer)
        for n in range(3):
            assert world.report(headers, policy, key=f"c{customer.id}-{n}").status_code == 201
        heavy.append(customer.id)
    for _ in range(4):
        customer = world.customer()
        world.policy(customer, start=date(2016, 1, 1), end=date(2026, 12, 31))
        quiet.append(customer.id)
    return heavy, quiet


def test_segments_separate_behaviours_and_explain_themselves(world: World, container, monkeypatch):
    heavy, quiet = make_people(world)
    result = CliRunner().invoke(cli.app, ["segment", "--segments", "2"], obj=container)
    assert result.exit_code == 0, result.output
    assert "8 customers" in result.output

    supervisor = world.staff(Role.SUPERVISOR)
    listing = world.client.get("/api/v1/customers/segments", headers=supervisor).json()
    assert sorted(s["size"] for s in listing["segments"]) == [4, 4]

    def segment(customer_id: int) -> dict:
        url = f"/api/v1/customers/{customer_id}/360"
        return world.client.get(url, headers=supervisor).json()["segment"]

    assert len({segment(c)["code"] for c in heavy}) == 1
    assert len({segment(c)["code"] for c in quiet}) == 1
    frequent, loyal = segment(heavy[0]), segment(quiet[0])
    assert frequent["code"] != loyal["code"]
    named = frequent["name_en"].lower() + " " + loyal["name_en"].lower()
    assert "tenure" in named or "claim frequency" in named
    assert (
        "claim frequency 1" in frequent["explanation_en"]
        or "claim frequency 2" in (frequent["explanation_en"])
    )
    assert "all customers" in frequent["explanation_en"] and "全体" in frequent["explanation_zh"]


def test_staff_may_list_segments_and_customers_may_not(world: World) -> None:
    response = world.client.get("/api/v1/customers/segments", headers=world.staff(Role.AGENT))
    assert response.status_code == 200  # agents see segments to serve customers
    customer = world.login(Role.CUSTOMER, world.customer())
    assert world.client.get("/api/v1/customers/segments", headers=customer).status_code == 403
