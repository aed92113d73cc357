"""SMS through a provider in Twilio's Messages API format, against a local stand-in of it."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import parse_qs

from pydantic import SecretStr
from sqlalchemy import select

from claimdesk.messaging.notifiers import notifier_for
from claimdesk.security.enums import Role
from claimdesk.support import outbox
from claimdesk.support.models import OutboxMessage
from tests.integration.messaging.conftest import Receiver, customer_with_email

SID = "SM" + "0123456789abcdef" * 2


def _use_provider(world, use_notifier, port):
    url = f"twilio+http://AC0042:t0ken@127.0.0.1:{port}?from=%2B8610690000"
    settings = world.container.settings.model_copy(update={"sms_url": SecretStr(url)})
    use_notifier(notifier_for(settings))


def _sms_rows(world):
    with world.container.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == "sms")
                .order_by(OutboxMessage.id)
            )
        )


def test_a_text_goes_to_the_provider_with_nothing_personal_but_the_claim_number(
    world, use_notifier
):
    with Receiver(lambda request: (201, {"sid": SID, "status": "queued"})) as provider:
        _use_provider(world, use_notifier, provider.port)
        customer = customer_with_email(world, email=None, locale="zh-CN", phone="139 0000 1234")
        claim = world.report(world.login(Role.CUSTOMER, customer), world.policy(customer)).json()

    [request] = provider.requests
    assert request["path"] == "/2010-04-01/Accounts/AC0042/Messages.json"
    assert (
        request["headers"]["authorization"] == "Basic " + base64.b64encode(b"AC0042:t0ken").decode()
    )
    form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
    assert (form["To"], form["From"]) == ("+8613900001234", "+8610690000")
    assert claim["number"] in form["Body"] and len(form["Body"]) <= 160
    for personal in ("李雷", "Li Lei", "13900001234", "6222"):
        assert personal not in form["Body"]
    [row] = _sms_rows(world)
    assert (row.state, row.provider_id) == ("sent", SID)


def test_a_number_the_provider_refuses_is_recorded_and_not_tried_again(world, use_notifier, clock):
    invalid = {
        "code": 21211,
        "message": "The 'To' number is not a valid phone number.",
        "status": 400,
    }
    with Receiver(lambda request: (400, invalid)) as provider:
        _use_provider(world, use_notifier, provider.port)
        customer = customer_with_email(world, email=None)
        world.report(world.login(Role.CUSTOMER, customer), world.policy(customer))
        [row] = _sms_rows(world)
        assert row.state == "refused" and "21211" in row.last_error
        clock.advance(timedelta(hours=1))
        with world.container.sessions() as session:
            assert outbox.due(session, now=clock.now()) == []
    assert len(provider.requests) == 1


def test_a_provider_outage_is_retried_after_backoff(world, use_notifier, clock):
    answers = iter([(503, {"message": "Service Unavailable"}), (201, {"sid": SID})])
    with Receiver(lambda request: next(answers)) as provider:
        _use_provider(world, use_notifier, provider.port)
        customer = customer_with_email(world, email=None)
        world.report(world.login(Role.CUSTOMER, customer), world.policy(customer))
        [row] = _sms_rows(world)
        assert (row.state, row.last_error) == (
            "failed",
            "ConnectionError: HTTP 503 code None: Service Unavailable",
        )
        clock.advance(timedelta(minutes=2))
        sessions, notifier = world.container.sessions, world.container.notifier
        assert (
            outbox.deliver(sessions, message_id=row.id, now=clock.now(), notifier=notifier)
            == "sent"
        )
    assert len(provider.requests) == 2
    [row] = _sms_rows(world)
    assert (row.state, row.attempts, row.provider_id) == ("sent", 2, SID)
