"""What the customer is told at each visible claim step, how often, and on which channels."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from claimdesk.security.enums import Role
from claimdesk.support.models import OutboxMessage, Survey
from claimdesk.support.tasks import retry_notifications
from tests.integration.messaging.conftest import customer_with_email


def _outbox(world):
    with world.container.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _text(mail):
    return mail.get_body(preferencelist=("plain",)).get_content()


def _medical_claim(world, customer, **extra):
    me = world.login(Role.CUSTOMER, customer)
    response = world.report(
        me, world.policy(customer), bank_account_id=customer.bank_accounts[0].id, **extra
    )
    assert response.status_code == 201, response.text
    return response.json(), me


def _walk_to_decision(world, claim_id):
    adjuster = world.staff(Role.ADJUSTER)
    for action in ("start_review", "assess", "verify_coverage"):
        assert world.act(adjuster, claim_id, action).status_code == 200


def test_a_straight_through_claim_reaches_the_customer_in_two_messages_per_channel(
    world, smtp_out, clock, container, monkeypatch
):
    monkeypatch.setattr(container.settings, "risk_routing", True)
    monkeypatch.setattr(container.settings, "stp_max_amount", Decimal("3000"))
    customer = customer_with_email(world)
    me = world.login(Role.CUSTOMER, customer)
    response = world.report(
        me,
        world.policy(customer, "ACC-PLUS"),
        amount="800.00",
        claim_type="accidental_medical",
        bank_account_id=customer.bank_accounts[0].id,
    )
    world.evidence(me, response.json()["id"])  # no straight-through payment without papers
    claim = world.claim(me, response.json()["id"])
    assert claim["status"] == "paid"

    # The acknowledgement went at once; the automatic steps wait in one open digest.
    [acknowledgement] = smtp_out.to("li.lei@example.com")
    assert "received" in acknowledgement["Subject"]
    held = [m for m in _outbox(world) if m.state == "pending"]
    assert sorted(m.channel for m in held) == ["email", "sms"]
    [parts] = {tuple(p["event"] for p in m.parts) for m in held}
    # The papers asked for at routing, then the automatic steps; not assess, verify.
    assert parts == ("documents_requested", "claim_status", "claim_approved", "claim_paid")

    clock.advance(timedelta(seconds=61))
    world.container.runner.run_now(retry_notifications)
    rows = _outbox(world)
    assert len(rows) == 4  # one straight-through claim used to make 12
    assert {m.state for m in rows} == {"sent"}
    [_, digest] = smtp_out.to("li.lei@example.com")
    assert digest["Subject"] == f"Claim {claim['number']}: 4 updates"
    text = _text(digest)
    paid = claim["payments"][0]
    assert f"CNY {Decimal(claim['approved_amount']):,.2f}" in text
    assert paid["reference"] in text
    assert "**** 1234" in text and "6222020200001234" not in text
    [sms] = [m for m in rows if m.channel == "sms" and m.template == "digest"]
    assert claim["number"] in sms.body and "Li Lei" not in sms.body and len(sms.body) <= 160


def test_each_step_a_person_takes_is_told_at_once_and_internal_steps_are_not(world, smtp_out):
    customer = customer_with_email(world)
    claim, _ = _medical_claim(world, customer)
    _walk_to_decision(world, claim["id"])

    subjects = [m["Subject"] for m in smtp_out.to("li.lei@example.com")]
    assert subjects == [
        f"Claim {claim['number']} received: documents we need",
        f"Claim {claim['number']}: under review",
    ]
    assert (
        world.act(
            world.staff(Role.ADJUSTER), claim["id"], "refer_to_siu", reason="Check the invoice"
        ).status_code
        == 200
    )
    assert len(smtp_out.to("li.lei@example.com")) == 2  # a referral is not the customer's news


def test_the_decision_payment_and_closure_say_the_amount_the_lines_the_account_and_the_survey(
    world, smtp_out, client
):
    customer = customer_with_email(world)
    claim, me = _medical_claim(world, customer)
    world.settle(me, claim["id"], until="close")
    view = world.claim(me, claim["id"])

    approved, paid, closed = smtp_out.to("li.lei@example.com")[-3:]
    text = _text(approved)
    assert f"CNY {Decimal(view['approved_amount']):,.2f}" in approved["Subject"]
    assert "How the amount was worked out" in text
    for step in world.client.get(f"/api/v1/claims/{claim['id']}/payout", headers=me).json()[
        "coverages"
    ][0]["steps"]:
        assert step["message_en"] in text
    assert "within 10 days" in text
    text = _text(paid)
    assert view["payments"][0]["reference"] in text
    assert "your account **** 1234 at ICBC" in text
    survey_link = re.search(r"http://\S+/survey/(\S+)", _text(closed))
    assert survey_link, _text(closed)

    # The link opens the rating form without signing in, and records the answer.
    page = client.get(f"/survey/{survey_link.group(1)}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "Send my rating" in page.text  # the customer's language
    assert claim["number"] in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        f"/survey/{survey_link.group(1)}",
        data={"csrf_token": csrf, "score": "5", "comment": "Quick"},
        follow_redirects=True,
    )
    assert answer.status_code == 200 and "rating has been recorded" in answer.text
    with world.container.sessions() as session:
        survey = session.scalars(select(Survey).where(Survey.claim_id == claim["id"])).one()
    assert (survey.score, survey.comment) == (5, "Quick")


def test_a_forged_survey_link_is_not_found(client):
    assert client.get("/survey/eyJzIjo0Mn0.forged.link").status_code == 404


def test_a_denial_gives_the_reasons_and_how_to_dispute_in_chinese(world, smtp_out):
    customer = customer_with_email(world, locale="zh-CN")
    claim, _ = _medical_claim(world, customer)
    adjuster = world.staff(Role.ADJUSTER)
    world.act(adjuster, claim["id"], "start_review")
    denied = world.act(adjuster, claim["id"], "deny", reason="治疗发生在等待期内。")
    assert denied.status_code == 200, denied.text

    mail = smtp_out.to("li.lei@example.com")[-1]
    text = _text(mail)
    assert mail["Subject"] == f"理赔 {claim['number']}：拒赔通知"
    assert "理由：治疗发生在等待期内。" in text
    assert "提出异议" in text and "调解" in text
    [row] = [m for m in _outbox(world) if m.template == "claim_denied" and m.channel == "email"]
    assert row.category == "statutory"


def test_a_customer_who_opts_out_still_gets_statutory_notices_on_the_channels_they_chose(
    world, smtp_out
):
    customer = customer_with_email(world, locale="zh-CN")
    me = world.login(Role.CUSTOMER, customer)
    response = world.client.put(
        f"/api/v1/customers/{customer.id}/contact-preferences",
        json={"channels": ["email"], "language": "en", "opt_out_non_statutory": True},
        headers=me,
    )
    assert response.status_code == 200, response.text
    assert response.json() | {"updated_at": None} == {
        "customer_id": customer.id,
        "channels": ["email"],
        "language": "en",
        "opt_out_non_statutory": True,
        "email": True,
        "phone": True,
        "updated_at": None,
    }
    claim, _ = _medical_claim(world, customer)
    adjuster = world.staff(Role.ADJUSTER)
    world.act(adjuster, claim["id"], "start_review")  # optional: not sent
    world.act(adjuster, claim["id"], "deny", reason="Waiting period.")

    sent = [(m.template, m.channel, m.locale) for m in _outbox(world)]
    assert sent == [("claim_reported", "email", "en"), ("claim_denied", "email", "en")]


def test_someone_else_cannot_read_or_change_a_customers_preferences(world):
    customer = customer_with_email(world)
    stranger = world.login(Role.CUSTOMER, world.customer())
    body = {"channels": [], "language": "en", "opt_out_non_statutory": True}
    url = f"/api/v1/customers/{customer.id}/contact-preferences"
    assert world.client.put(url, json=body, headers=stranger).status_code == 404
    assert world.client.get(url, headers=stranger).status_code == 404
    assert world.client.get(url, headers=world.staff(Role.AGENT)).status_code == 200
    assert world.client.put(url, json=body, headers=world.staff(Role.AUDITOR)).status_code == 403
    bad = {"channels": ["fax"], "language": "fr", "opt_out_non_statutory": "maybe"}
    assert world.client.put(url, json=bad, headers=world.staff(Role.AGENT)).status_code == 422


@pytest.mark.parametrize("opted_out", [False, True])
def test_with_no_channel_chosen_only_statutory_notices_go_on_any_channel(world, opted_out):
    customer = customer_with_email(world)
    me = world.login(Role.CUSTOMER, customer)
    world.client.put(
        f"/api/v1/customers/{customer.id}/contact-preferences",
        json={"channels": [], "language": "en", "opt_out_non_statutory": opted_out},
        headers=me,
    )
    claim, _ = _medical_claim(world, customer)
    world.act(world.staff(Role.ADJUSTER), claim["id"], "start_review")
    assert [(m.template, m.channel) for m in _outbox(world)] == [
        ("claim_reported", "email"),
        ("claim_reported", "sms"),
    ]


def test_automatic_steps_merge_within_the_window_and_a_later_one_starts_a_new_digest(world, clock):
    from claimdesk.messaging import service
    from claimdesk.messaging.enums import MessageEvent
    from claimdesk.messaging.rules import Notice

    customer = customer_with_email(world, phone=None)
    claim, _ = _medical_claim(world, customer)
    settings = world.container.settings

    def step(n):
        notice = Notice(
            key=f"claim:{claim['id']}:event:test-{n}",
            event=MessageEvent.CLAIM_STATUS,
            params={
                "name": "Li Lei",
                "number": claim["number"],
                "status": f"step {n}",
                "reason": "",
                "claim_url": "http://example/claims/1",
            },
            claim_id=claim["id"],
        )
        with world.container.sessions.begin() as session:
            return service.notify(
                session,
                customer=session.merge(customer),
                notice=notice,
                automatic=True,
                now=clock.now(),
                settings=settings,
            )

    assert step(1) == []  # held, not sent at once
    clock.advance(timedelta(seconds=30))
    step(2)
    step(2)  # the same step twice is told once
    clock.advance(timedelta(seconds=31))
    step(3)  # the first window has closed
    digests = [m for m in _outbox(world) if ":digest:" in m.key]
    assert [[p["params"]["status"] for p in m.parts] for m in digests] == [
        ["step 1", "step 2"],
        ["step 3"],
    ]
    assert digests[0].template == "digest" and digests[1].template == "claim_status"
    assert digests[0].subject == f"Claim {claim['number']}: 2 updates"
    assert digests[0].next_attempt_at == digests[1].created_at - timedelta(seconds=1)
