"""Real servers for communication tests: an SMTP server (aiosmtpd) collecting what it gets,
the inbound gateway, and small HTTP servers standing in for an SMS provider and a partner's
webhook receiver. Adapters come in through the container, never by patching modules."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from claimdesk.bootstrap import Container
from claimdesk.messaging.notifiers import notifier_for
from claimdesk.support.outbox import Notifier


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler keeping every message; some recipients can be refused."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def use_notifier(container: Container) -> Iterator[Callable[[Notifier], None]]:
    """Put a notifier in the container for this test (the one the delivery jobs use)."""
    original = container.notifier

    def use(notifier: Notifier) -> None:
        container.notifier = notifier

    yield use
    container.notifier = original


@pytest.fixture
def smtp_out(
    container: Container, mailbox: tuple[Mailbox, int], use_notifier: Callable[[Notifier], None]
) -> Mailbox:
    """E-mail goes to the test's SMTP server, as CLAIMDESK_SMTP_URL would send it."""
    box, port = mailbox
    settings = container.settings.model_copy(
        update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{port}?starttls=off")}
    )
    use_notifier(notifier_for(settings))
    return box


class Receiver:
    """An HTTP server in a thread that records each request and answers from a script."""

    def __init__(self, answer: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer = answer
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                request = {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": self.rfile.read(length),
                }
                receiver.requests.append(request)
                status, body = receiver.answer(request)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def customer_with_email(
    world: Any,
    *,
    email: str = "li.lei@example.com",
    locale: str = "en",
    phone: str | None = "13900001234",
) -> Any:
    """李雷 / Li Lei, with an e-mail address, a phone and a verified ICBC account."""
    from claimdesk.core.db import unit_of_work
    from claimdesk.customers.schemas import BankAccountIn, CustomerIn
    from claimdesk.customers.service import create_customer

    with unit_of_work(world.container.sessions) as session:
        customer = create_customer(
            session,
            data=CustomerIn(
                name="李雷",
                name_en="Li Lei",
                id_number="110101199001017777",
                phone=phone,
                email=email,
                preferred_locale=locale,
                bank_accounts=[
                    BankAccountIn(
                        bank_name="ICBC", account_number="6222020200001234", holder_name="李雷"
                    )
                ],
            ),
            now=world.now,
        )
    world.verify_account(customer.id, customer.bank_accounts[0].id)  # a second person
    return customer
