"""E-mail in: messages sent with smtplib to the inbound gateway become tickets and replies."""

from __future__ import annotations

import io
import re
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from PIL import Image
from sqlalchemy import select

from claimdesk.messaging.gateway import listener
from claimdesk.messaging.models import InboundEmail
from claimdesk.security.enums import Role
from claimdesk.support.models import OutboxMessage, Ticket
from tests.integration.messaging.conftest import customer_with_email, free_port

SUPPORT = "claims@claimdesk.localhost"
PASSING = (
    "mx.claimdesk.example; spf=pass smtp.mailfrom=example.com; "
    "dkim=pass header.d=example.com; dmarc=pass"
)


@pytest.fixture
def gateway(container):
    port = free_port()
    server = listener(container, host="127.0.0.1", port=port)
    server.start()
    yield port
    server.stop()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _mail(sender, subject, body, *, to=SUPPORT, auth=PASSING, **headers):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Message-ID"] = make_msgid(domain="example.com")
    if auth:
        mail["Authentication-Results"] = auth
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def _send(port, mail):
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.send_message(mail)


def _tickets(world):
    with world.container.sessions() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def _inbound(world):
    with world.container.sessions() as session:
        return list(session.scalars(select(InboundEmail).order_by(InboundEmail.id)))


def test_a_customers_email_becomes_their_ticket_and_their_reply_lands_on_it(
    world, gateway, smtp_out
):
    customer = customer_with_email(world)
    me = world.login(Role.CUSTOMER, customer)
    claim = world.report(me, world.policy(customer)).json()
    mail = _mail(
        "Li Lei <Li.Lei@Example.com>",
        f"When is claim {claim['number']} paid?",
        "Hello, I sent the invoice last week.\nLi Lei",
    )
    mail.add_attachment(_png(), maintype="image", subtype="png", filename="invoice.png")
    mail.add_attachment(
        b"MZ\x90\x00 not a document",
        maintype="application",
        subtype="octet-stream",
        filename="tool.exe",
    )
    _send(gateway, mail)

    [ticket] = world.client.get("/api/v1/tickets", headers=me).json()
    assert (ticket["channel"], ticket["kind"], ticket["claim_id"]) == (
        "email",
        "claim_inquiry",
        claim["id"],
    )
    assert ticket["verified"] is True and ticket["customer_id"] == customer.id
    assert ticket["messages"][0]["body"] == "Hello, I sent the invoice last week.\nLi Lei"
    stored, refused = ticket["attachments"]
    assert (stored["filename"], stored["mime"], stored["error"]) == (
        "invoice.png",
        "image/png",
        None,
    )
    assert refused["filename"] == "tool.exe" and "Windows program" in refused["error"]
    content = world.client.get(
        f"/api/v1/tickets/{ticket['id']}/attachments/{stored['id']}/content", headers=me
    )
    assert content.status_code == 200 and content.content == _png()
    [received] = _inbound(world)
    assert (received.spf, received.dkim, received.dmarc, received.outcome) == (
        "pass",
        "pass",
        "pass",
        "ticket_created",
    )

    # An agent answers by e-mail; the customer's reply to that e-mail is threaded back.
    agent = world.staff(Role.AGENT)
    answer = world.client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "It was approved today."},
        headers=agent,
    )
    assert answer.status_code == 201, answer.text
    reply_to_customer = smtp_out.to("li.lei@example.com")[-1]
    assert reply_to_customer["Subject"].startswith(f"[{ticket['number']}]")
    assert reply_to_customer["In-Reply-To"] == f"<{ticket['number'].lower()}@claimdesk.localhost>"
    reply = _mail(
        "li.lei@example.com",
        f"Re: {reply_to_customer['Subject']}",
        "Thank you!\n\nOn Monday ClaimDesk wrote:\n> It was approved today.\n",
        In_Reply_To=reply_to_customer["Message-ID"],
        References=reply_to_customer["Message-ID"],
    )
    _send(gateway, reply)
    messages = world.client.get(f"/api/v1/tickets/{ticket['id']}", headers=me).json()["messages"]
    assert [(m["author_role"], m["body"]) for m in messages] == [
        ("customer", "Hello, I sent the invoice last week.\nLi Lei"),
        ("agent", "It was approved today."),
        ("customer", "Thank you!"),
    ]
    assert len(_tickets(world)) == 1
    assert _inbound(world)[-1].outcome == "ticket_updated"


def test_a_reply_that_names_its_ticket_in_the_subject_is_threaded(world, gateway):
    customer = customer_with_email(world)
    _send(gateway, _mail("li.lei@example.com", "Policy question", "Am I covered abroad?"))
    [ticket] = _tickets(world)
    _send(gateway, _mail("li.lei@example.com", f"Re: [{ticket.number}] Policy", "And in Macau?"))
    assert len(_tickets(world)) == 1
    detail = world.client.get(
        f"/api/v1/tickets/{ticket.id}", headers=world.login(Role.CUSTOMER, customer)
    ).json()
    assert [m["body"] for m in detail["messages"]] == ["Am I covered abroad?", "And in Macau?"]


def test_an_unknown_sender_gets_an_unverified_ticket_and_no_access_to_any_data(world, gateway):
    customer = customer_with_email(world)
    claim = world.report(world.login(Role.CUSTOMER, customer), world.policy(customer)).json()
    _send(
        gateway,
        _mail("someone@elsewhere.example", f"Status of {claim['number']}?", "Tell me, please."),
    )
    [ticket] = _tickets(world)
    assert (ticket.customer_id, ticket.verified, ticket.claim_id) == (None, False, None)
    assert ticket.sender_address == "someone@elsewhere.example"
    agent = world.staff(Role.AGENT)
    view = world.client.get(f"/api/v1/tickets/{ticket.id}", headers=agent).json()
    assert view["verified"] is False and view["sender_address"] == "someone@elsewhere.example"

    # The staff's answer goes back to the sender; nothing else is sent to them.
    world.client.post(
        f"/api/v1/tickets/{ticket.id}/messages",
        json={"body": "Please write from the address on your policy."},
        headers=agent,
    )
    with world.container.sessions() as session:
        to_stranger = session.scalars(
            select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
        ).all()
    assert [(m.address, m.template, m.customer_id) for m in to_stranger] == [
        ("someone@elsewhere.example", "ticket_reply", None)
    ]
    assert "Please write from the address on your policy." in to_stranger[0].body
    # Someone else answering with the ticket number does not get onto that ticket.
    _send(gateway, _mail("other@elsewhere.example", f"Re: [{ticket.number}]", "Me too"))
    assert len(_tickets(world)) == 2


def test_a_customers_address_whose_domain_says_it_did_not_send_is_unverified(world, gateway):
    customer_with_email(world)
    failing = "mx.claimdesk.example; spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail"
    _send(
        gateway, _mail("li.lei@example.com", "Change my bank account", "New: 6222...", auth=failing)
    )
    [ticket] = _tickets(world)
    assert (ticket.customer_id, ticket.verified) == (None, False)
    [received] = _inbound(world)
    assert (received.spf, received.dkim, received.dmarc, received.verified) == (
        "fail",
        "none",
        "fail",
        False,
    )


def test_only_results_from_our_own_mail_exchanger_are_trusted(world, gateway, monkeypatch):
    monkeypatch.setattr(world.container.settings, "inbound_authserv_id", "mx.claimdesk.example")
    customer_with_email(world)
    forged = "attacker.example; spf=pass; dkim=pass; dmarc=pass"
    ours = "mx.claimdesk.example; spf=fail; dkim=fail; dmarc=fail"
    mail = _mail("li.lei@example.com", "Hello", "Hi", auth=forged)
    mail["Authentication-Results"] = ours
    _send(gateway, mail)
    [received] = _inbound(world)
    assert (received.dmarc, received.verified) == ("fail", False)


def test_the_same_message_delivered_twice_makes_one_ticket(world, gateway):
    customer_with_email(world)
    mail = _mail("li.lei@example.com", "Hello", "Once")
    _send(gateway, mail)
    _send(gateway, mail)
    assert len(_tickets(world)) == 1
    assert len(_inbound(world)) == 1


def test_mail_for_other_addresses_and_oversized_mail_are_refused(world, gateway, monkeypatch):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(gateway, _mail("li.lei@example.com", "Hi", "Hi", to="ceo@claimdesk.localhost"))
    assert refused.value.recipients["ceo@claimdesk.localhost"][0] == 550
    monkeypatch.setattr(world.container.settings, "upload_max_bytes", 10_000)
    port = free_port()
    small = listener(world.container, host="127.0.0.1", port=port)
    small.start()
    try:
        big = _mail("li.lei@example.com", "Photos", "See attached")
        big.add_attachment(b"\x00" * 400_000, maintype="image", subtype="png", filename="big.png")
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as too_big:
            _send(port, big)
        assert too_big.value.smtp_code == 552
    finally:
        small.stop()
    assert _tickets(world) == []


def test_a_bounce_marks_the_message_it_returns(world, gateway, smtp_out):
    customer = customer_with_email(world)
    world.report(world.login(Role.CUSTOMER, customer), world.policy(customer))
    [sent] = smtp_out.to("li.lei@example.com")
    report = (
        "From: MAILER-DAEMON@mx.example.com\r\n"
        f"To: {SUPPORT}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; li.lei@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 mailbox unavailable\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {sent['Message-ID']}\r\nSubject: Claim received\r\n\r\n"
        "--B--\r\n"
    )
    with smtplib.SMTP("127.0.0.1", gateway) as client:
        client.sendmail("", [SUPPORT], report.encode())

    with world.container.sessions() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.provider_id == sent["Message-ID"])
        ).one()
    assert row.state == "bounced" and row.bounced_at is not None
    assert "5.1.1" in row.last_error and "mailbox unavailable" in row.last_error
    assert _tickets(world) == []
    assert _inbound(world)[-1].outcome == "bounce"


def test_staff_see_an_unverified_ticket_flagged_with_its_files_on_the_workbench(world, gateway):
    from tests.integration.web.pages import signed_in

    mail = _mail("someone@elsewhere.example", "Claim photos", "See attached.")
    mail.add_attachment(_png(), maintype="image", subtype="png", filename="car.png")
    _send(gateway, mail)
    [ticket] = _tickets(world)
    agent = signed_in(world, Role.AGENT)
    page = agent.get(f"/staff/tickets/{ticket.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Unverified sender: this e-mail came from someone@elsewhere.example" in page.text
    [link] = re.findall(r'href="(/tickets/\d+/attachments/\d+)"', page.text)
    assert agent.get(link).content == _png()
    stranger = signed_in(world, Role.CUSTOMER, customer_with_email(world))
    assert stranger.get(link).status_code == 404
