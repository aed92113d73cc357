"""Webhooks to a partner's HTTP receiver, which verifies every signature with the
``standardwebhooks`` package, as the Standard Webhooks specification describes."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from claimdesk.security.enums import Role
from claimdesk.support.models import OutboxMessage
from claimdesk.webhooks.enums import WebhookEvent
from claimdesk.webhooks.tasks import retry_webhooks
from tests.integration.messaging.conftest import Receiver, customer_with_email
from tests.integration.support.conftest import Desk
from tests.samples import INVOICE_EN, pdf

ALL_EVENTS = [str(e) for e in WebhookEvent]


class Partner:
    """The partner's endpoint: verifies each request, answers with the scripted statuses."""

    def __init__(self, statuses=()) -> None:
        self.secret = ""
        self.statuses = list(statuses)
        self.verified: list[dict] = []
        self.rejected: list[str] = []
        self.receiver = Receiver(self.answer)

    def answer(self, request):
        try:
            payload = Webhook(self.secret).verify(request["body"], request["headers"])
        except WebhookVerificationError as exc:
            self.rejected.append(str(exc))
            return 400, {"error": "bad signature"}
        status = self.statuses.pop(0) if self.statuses else 200
        if status < 300:
            self.verified.append(payload | {"_id": request["headers"]["webhook-id"]})
        return status, {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.receiver.port}/claimdesk/events"

    def __enter__(self) -> Partner:
        self.receiver.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.receiver.__exit__(*exc)


def _subscribe(world, partner, events=None, **extra):
    response = world.client.post(
        "/api/v1/webhooks",
        json={"url": partner.url, "events": events or ALL_EVENTS, **extra},
        headers=world.staff(Role.ADMIN),
    )
    assert response.status_code == 201, response.text
    partner.secret = response.json()["secret"]
    return response.json()


def test_a_partner_verifies_every_event_with_the_standardwebhooks_package(world, clock):
    with Partner() as partner:
        created = _subscribe(world, partner)
        assert created["secret"].startswith("whsec_")
        assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32

        customer = customer_with_email(world)
        me = world.login(Role.CUSTOMER, customer)
        claim = world.report(
            me, world.policy(customer), bank_account_id=customer.bank_accounts[0].id
        ).json()
        adjuster, senior = world.staff(Role.ADJUSTER), world.staff(Role.SENIOR_ADJUSTER)
        assert world.act(adjuster, claim["id"], "start_review").status_code == 200
        world.evidence(me, claim["id"])
        for who, action in (
            (adjuster, "assess"),
            (adjuster, "verify_coverage"),
            (senior, "approve"),
            (senior, "pay"),
        ):
            assert world.act(who, claim["id"], action).status_code == 200, action
        upload = world.client.post(
            f"/api/v1/claims/{claim['id']}/documents",
            files={"file": ("invoice.pdf", pdf(INVOICE_EN), "application/pdf")},
            headers=me,
        )
        assert upload.status_code == 201, upload.text
        desk = Desk(world)
        ticket = desk.open(me, kind="consultation")
        desk.say(desk.agents[0].headers, ticket["id"], "Here is the answer.")
        second = desk.open(me, kind="consultation")
        desk.sweep(timedelta(hours=2))  # the 20-minute first response is long breached

    assert partner.rejected == []
    types = [p["type"] for p in partner.verified]
    assert set(types) == set(ALL_EVENTS)
    by_type = {t: [p for p in partner.verified if p["type"] == t] for t in ALL_EVENTS}
    assert by_type["claim.reported"][0]["data"] == {
        "claim_id": claim["id"],
        "claim_number": claim["number"],
        "policy_id": claim["policy_id"],
        "claim_type": "inpatient",
        "channel": "web",
        "status": "reported",
    }
    [paid] = by_type["claim.paid"]
    assert paid["data"]["payment_reference"].startswith("PAY" + claim["number"])
    assert [p["data"]["to_status"] for p in by_type["claim.status_changed"]][-1] == "paid"
    assert by_type["document.read"][0]["data"]["claim_id"] == claim["id"]
    assert {p["data"]["ticket_id"] for p in by_type["ticket.created"]} == {
        ticket["id"],
        second["id"],
    }
    assert "message" in {p["data"]["change"] for p in by_type["ticket.updated"]}
    assert {p["data"]["ticket_id"] for p in by_type["sla.breached"]} >= {second["id"]}
    everything = json.dumps(partner.verified, ensure_ascii=False)
    for personal in (
        "李雷",
        "Li Lei",
        "li.lei@example.com",
        "13900001234",
        "6222020200001234",
        "110101199001017777",
        "pneumonia",
        "Here is the answer",
    ):
        assert personal not in everything
    assert len({p["_id"] for p in partner.verified}) == len(partner.verified)


def test_a_failed_delivery_is_retried_with_backoff_logged_and_can_be_replayed(world, clock):
    admin = world.staff(Role.ADMIN)
    with Partner(statuses=[500]) as partner:
        hook = _subscribe(world, partner, events=["ticket.created"])
        customer = customer_with_email(world)
        Desk(world).open(world.login(Role.CUSTOMER, customer))
        log = world.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=admin).json()
        [delivery] = log
        assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == (
            "failed",
            1,
            500,
        )

        world.container.runner.run_now(retry_webhooks)  # too early: the first retry waits 5 seconds
        assert partner.verified == []
        clock.advance(timedelta(seconds=6))
        assert world.container.runner.run_now(retry_webhooks) == {"delivered": 1}
        [delivery] = world.client.get(
            f"/api/v1/webhooks/{hook['id']}/deliveries", headers=admin
        ).json()
        assert delivery["state"] == "delivered"
        assert [a["status_code"] for a in delivery["log"]] == [500, 200]

        replayed = world.client.post(
            f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/replay", headers=admin
        )
        assert replayed.status_code == 202, replayed.text
    assert [p["_id"] for p in partner.verified] == [delivery["msg_id"]] * 2  # same webhook-id
    assert partner.verified[0]["data"] == partner.verified[1]["data"]


def test_a_webhook_failing_again_and_again_is_disabled_and_its_contact_told(
    world, clock, monkeypatch
):
    monkeypatch.setattr(world.container.settings, "webhook_disable_after", 3)
    admin = world.staff(Role.ADMIN)
    with Partner(statuses=[503] * 10) as partner:
        hook = _subscribe(
            world, partner, events=["ticket.created"], contact_email="ops@partner.example"
        )
        me = world.login(Role.CUSTOMER, customer_with_email(world))
        desk = Desk(world)
        for _ in range(3):
            desk.open(me)
        view = world.client.get(f"/api/v1/webhooks/{hook['id']}", headers=admin).json()
        assert view["active"] is False and view["consecutive_failures"] == 3
        assert "3 failed deliveries in a row" in view["disabled_reason"]
        desk.open(me)  # no delivery for a disabled webhook
        log = world.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=admin).json()
        assert len(log) == 3
        assert (
            world.client.post(
                f"/api/v1/webhooks/{hook['id']}/deliveries/{log[0]['id']}/replay", headers=admin
            ).status_code
            == 409
        )
        with world.container.sessions() as session:
            [notice] = session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == "webhook_disabled")
            ).all()
        assert (notice.address, notice.customer_id, notice.state) == (
            "ops@partner.example",
            None,
            "sent",
        )
        assert f"webhook {hook['id']}" in notice.subject and "3 failed deliveries" in notice.subject

        enabled = world.client.post(f"/api/v1/webhooks/{hook['id']}/enable", headers=admin)
        assert enabled.json()["active"] is True
        partner.statuses = []
        desk.open(me)
    assert [p["type"] for p in partner.verified] == ["ticket.created"]


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/hook",
        "http://192.168.1.20/hook",
        "ftp://partner.example/hook",
        "http://127.0.0.1:99999/hook",
    ],
)
def test_a_webhook_to_a_private_address_or_not_http_is_refused(world, url):
    response = world.client.post(
        "/api/v1/webhooks",
        json={"url": url, "events": ["claim.reported"]},
        headers=world.staff(Role.ADMIN),
    )
    assert response.status_code == 422, response.text


def test_only_administrators_manage_webhooks(world):
    body = {"url": "http://127.0.0.1:9/hook", "events": ["claim.reported"]}
    for role in (Role.SUPERVISOR, Role.AGENT):
        assert (
            world.client.post("/api/v1/webhooks", json=body, headers=world.staff(role)).status_code
            == 403
        )
    assert world.client.get("/api/v1/webhooks").status_code == 401
    unknown = {"url": "http://127.0.0.1:9/hook", "events": ["claim.eaten"]}
    assert (
        world.client.post(
            "/api/v1/webhooks", json=unknown, headers=world.staff(Role.ADMIN)
        ).status_code
        == 422
    )
