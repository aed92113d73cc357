"""The notifications outbox: every message sent exactly once, retried with backoff, and
never written twice by a worker that died mid-send."""

import json
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from claimdesk.messaging.notifiers import notifier_for
from claimdesk.security.enums import Role
from claimdesk.support import outbox
from claimdesk.support.models import OutboxMessage
from tests.integration.support.conftest import make_customer


@pytest.fixture
def folder(container):
    path = container.settings.data_dir / "outbox"
    shutil.rmtree(path, ignore_errors=True)
    return path


@pytest.fixture
def flaky(container):
    """An SMS gateway that times out first, through the container like any notifier."""
    original, gateway = container.notifier, Flaky(failures=1)
    container.notifier = gateway
    yield gateway
    container.notifier = original


def rows(world):
    with world.container.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_without_a_mail_server_messages_are_written_as_files_in_the_customers_language(
    world, folder
):
    holder = make_customer(world, locale="en", email="li.lei@example.com")
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(customer, world.policy(holder)).json()
    world.act(world.staff(Role.ADJUSTER), claim["id"], "start_review")

    sent = rows(world)
    assert [(m.channel, m.state, m.locale) for m in sent] == [
        ("email", "sent", "en"),
        ("sms", "sent", "en"),
    ] * 2
    assert len({m.key for m in sent}) == 4
    [written] = [
        json.loads(path.read_text("utf-8"))
        for path in (folder / "email").glob("*.json")
        if "under review" in path.read_text("utf-8")
    ]
    assert written["address"] == "li.lei@example.com"
    assert written["subject"] == f"Claim {claim['number']}: under review"
    assert written["body"].startswith(
        f"Dear Li Lei,\n\nyour claim {claim['number']} is now under review."
    )
    assert written["html"].startswith('<!doctype html><html lang="en">')


def test_a_staff_reply_reaches_a_chinese_speaking_customer_by_sms(world, desk, folder):
    holder = make_customer(world)
    customer = world.login(Role.CUSTOMER, holder)
    ticket = desk.open(customer)
    desk.say(desk.agents[0].headers, ticket["id"], "内部备注", internal=True)
    desk.say(desk.agents[0].headers, ticket["id"], "请上传身份证。")
    [message] = [m for m in rows(world) if m.template == "ticket_reply"]
    assert message.channel == "sms"  # no e-mail address on file
    assert (
        message.body
        == f"【ClaimDesk】您的服务请求 {ticket['number']} 有新回复，请查看邮件或客户门户。"
    )
    assert "请上传身份证" not in message.body  # the reply itself is not sent by SMS
    assert len(list((folder / "sms").glob("ticket-message_*.json"))) == 1


def test_delivering_again_never_sends_twice(world, folder):
    holder = make_customer(world)
    world.report(world.login(Role.CUSTOMER, holder), world.policy(holder))
    [message] = rows(world)
    sessions, now = world.container.sessions, world.now
    notifier = notifier_for(world.container.settings)
    assert outbox.deliver(sessions, message_id=message.id, now=now, notifier=notifier) == "skipped"
    with sessions() as session:
        assert outbox.due(session, now=now) == []
    assert len(list(folder.rglob("*.json"))) == 1


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    def send(self, message: outbox.OutgoingMessage) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SMS gateway timed out")
        self.sent.append(message.key)
        return f"SM{len(self.sent)}"


def test_a_failed_send_is_retried_after_backoff_and_then_sent_once(world, clock, flaky):
    holder = make_customer(world)
    world.report(world.login(Role.CUSTOMER, holder), world.policy(holder))
    [row] = rows(world)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error == "ConnectionError: SMS gateway timed out"

    sessions = world.container.sessions
    assert outbox.deliver(sessions, message_id=row.id, now=clock.now(), notifier=flaky) == (
        "skipped"  # not before the backoff
    )
    clock.advance(timedelta(minutes=2))
    assert outbox.deliver(sessions, message_id=row.id, now=clock.now(), notifier=flaky) == "sent"
    assert outbox.deliver(sessions, message_id=row.id, now=clock.now(), notifier=flaky) == (
        "skipped"
    )
    assert flaky.sent == [row.key]
    [row] = rows(world)
    assert (row.state, row.attempts, row.last_error, row.provider_id) == ("sent", 2, None, "SM1")


def test_a_message_left_sending_by_a_dead_worker_is_not_written_twice(world, clock, folder):
    holder = make_customer(world)
    world.report(world.login(Role.CUSTOMER, holder), world.policy(holder))
    [message] = rows(world)
    # Simulate a worker that wrote the file and died before recording it.
    with world.container.sessions.begin() as session:
        row = session.get(OutboxMessage, message.id)
        row.state, row.next_attempt_at = "sending", clock.now()
    clock.advance(timedelta(minutes=6))
    notifier = notifier_for(world.container.settings)
    result = outbox.deliver(
        world.container.sessions, message_id=message.id, now=clock.now(), notifier=notifier
    )
    assert result == "sent"
    assert len(list(folder.rglob("*.json"))) == 1
