"""Loyalty: idempotent earning, a balance that never goes negative, audited movements, points
from events, and tiers that change service levels."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from claimdesk.audit.models import AuditEntry
from claimdesk.audit.service import verify
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import Conflict
from claimdesk.customers import loyalty
from claimdesk.customers.models import LoyaltyAccount, LoyaltyEntry
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor
from claimdesk.support.models import SlaClock
from tests import samples
from tests.factories import World


def earn(world: World, customer_id: int, reason: str, key: str) -> None:
    with unit_of_work(world.container.sessions) as session:
        loyalty.earn(session, customer_id=customer_id, reason=reason, key=key, now=world.now)


def balance(world: World, customer_id: int) -> int:
    with world.container.sessions() as session:
        return loyalty.standing(session, customer_id=customer_id).balance


def test_the_same_event_earns_points_once(world: World) -> None:
    customer = world.customer()
    earn(world, customer.id, "survey_answered", "survey:41")
    earn(world, customer.id, "survey_answered", "survey:41")
    earn(world, customer.id, "survey_answered", "survey:42")
    assert balance(world, customer.id) == 60
    with world.container.sessions() as session:
        keys = session.scalars(select(LoyaltyEntry.key).order_by(LoyaltyEntry.id)).all()
    assert keys == ["survey:41", "survey:42"]


def test_spending_more_than_the_balance_is_refused_and_changes_nothing(world: World) -> None:
    customer = world.customer()
    earn(world, customer.id, "renewal", "renewal:1")  # 200 points
    me = Actor(user_id=None, role=Role.CUSTOMER, customer_id=customer.id)
    with unit_of_work(world.container.sessions) as session, pytest.raises(Conflict) as refused:
        loyalty.spend(
            session, actor=me, customer_id=customer.id, benefit="health_checkup", key="k1",
            now=world.now,
        )  # fmt: skip
    assert "1000" in refused.value.message and "积分不足" in refused.value.message
    assert balance(world, customer.id) == 200


def test_the_database_refuses_a_negative_balance_even_past_the_rules(world: World) -> None:
    customer = world.customer()
    earn(world, customer.id, "renewal", "renewal:1")
    with pytest.raises(IntegrityError), unit_of_work(world.container.sessions) as session:
        session.execute(
            update(LoyaltyAccount)
            .where(LoyaltyAccount.customer_id == customer.id)
            .values(balance=-1)
        )
    assert balance(world, customer.id) == 200


def test_a_redemption_over_http_spends_once_per_key_and_is_in_the_audit_ledger(
    world: World,
) -> None:
    customer = world.customer()
    for year in (1, 2, 3):
        earn(world, customer.id, "tenure_year", f"tenure:{customer.id}:{year}")
    headers = world.login(Role.CUSTOMER, customer)
    body = {"benefit": "roadside_assistance", "idempotency_key": "tow-1"}
    url = f"/api/v1/customers/{customer.id}/loyalty/redemptions"
    first = world.client.post(url, json=body, headers=headers)
    again = world.client.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["points"] == -300 and first.json()["balance_after"] == 0
    assert (first.json()["reason"], first.json()["note"]) == ("benefit:roadside_assistance", None)
    assert first.json()["text"] == "道路救援一次"  # no Accept-Language: Chinese, the default
    account = world.client.get(
        f"/api/v1/customers/{customer.id}/loyalty", headers={**headers, "Accept-Language": "en"}
    ).json()
    assert [e["text"] for e in account["entries"]] == [
        "One roadside assistance call-out",
        *["A full year as a policyholder"] * 3,
    ]

    short = world.client.post(url, json={**body, "idempotency_key": "tow-2"}, headers=headers)
    assert short.status_code == 409

    stranger = world.login(Role.CUSTOMER, world.customer())
    assert world.client.post(url, json=body, headers=stranger).status_code == 404

    with world.container.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.subject_type == "loyalty_entry")
            .order_by(AuditEntry.seq)
        ).all()
        assert actions == ["loyalty.earn"] * 3 + ["loyalty.spend"]
        assert verify(session).ok


def test_reporting_a_claim_online_and_uploading_a_document_earn_points(world: World) -> None:
    customer = world.customer()
    policy = world.policy(customer)
    headers = world.login(Role.CUSTOMER, customer)
    claim = world.report(headers, policy).json()
    uploaded = world.client.post(
        f"/api/v1/claims/{claim['id']}/documents",
        files={"file": ("invoice.pdf", samples.pdf(samples.INVOICE_EN), "application/pdf")},
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    counter = world.report(world.staff(Role.ADJUSTER), policy, channel="counter")
    assert counter.status_code == 201  # reported by staff at the counter: no points
    with world.container.sessions() as session:
        reasons = session.scalars(
            select(LoyaltyEntry.reason)
            .where(LoyaltyEntry.customer_id == customer.id)
            .order_by(LoyaltyEntry.id)
        ).all()
    assert reasons == ["self_service_claim", "self_service_upload"]
    assert balance(world, customer.id) == 70


def test_tenure_and_renewal_points_accrue_once(world: World) -> None:
    customer = world.customer()
    world.policy(customer, start=date(2023, 1, 1), end=date(2023, 12, 31))
    renewed = world.policy(customer, start=date(2024, 1, 1), end=date(2026, 12, 31))
    for _ in range(2):
        with unit_of_work(world.container.sessions) as session:
            loyalty.accrue(session, now=world.now, timezone="Asia/Shanghai")
    with world.container.sessions() as session:
        keys = sorted(
            session.scalars(
                select(LoyaltyEntry.key).where(LoyaltyEntry.customer_id == customer.id)
            ).all()
        )
    # 2023-01-01 to 2026-06-15: three full years; the 2024 policy renews the 2023 one.
    assert keys == sorted(
        [f"tenure:{customer.id}:{n}" for n in (1, 2, 3)] + [f"renewal:{renewed.id}"]
    )


def gold(world: World, customer_id: int) -> None:
    for n in range(8):
        earn(world, customer_id, "renewal", f"gift:{customer_id}:{n}")  # 1600 points


def test_a_gold_customer_gets_priority_claim_handling(world: World) -> None:
    standard, vip = world.customer(), world.customer()
    gold(world, vip.id)
    due = {}
    for customer in (standard, vip):
        policy = world.policy(customer)
        claim = world.report(world.login(Role.CUSTOMER, customer), policy).json()
        with world.container.sessions() as session:
            clock = session.scalars(select(SlaClock).where(SlaClock.claim_id == claim["id"])).one()
            due[customer.id] = (clock.due_at - clock.started_at).total_seconds() / 3600
    assert due == {standard.id: 72, vip.id: 24}


def test_a_gold_customers_ticket_gets_high_priority_and_a_faster_first_response(world):
    standard, vip = world.customer(), world.customer()
    gold(world, vip.id)
    opened = {}
    for customer in (standard, vip):
        response = world.client.post(
            "/api/v1/tickets",
            json={"kind": "consultation", "subject": "Q", "body": "A question"},
            headers=world.login(Role.CUSTOMER, customer),
        )
        assert response.status_code == 201, response.text
        opened[customer.id] = response.json()
    assert opened[standard.id]["priority"] == "normal"
    assert opened[vip.id]["priority"] == "high"
    assert opened[standard.id]["sla"][0]["target_minutes"] == 20
    assert opened[vip.id]["sla"][0]["target_minutes"] == 10
