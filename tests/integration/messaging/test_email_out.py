"""E-mail out over SMTP to a real server (aiosmtpd in the test process)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr
from sqlalchemy import select

from claimdesk.messaging.notifiers import notifier_for
from claimdesk.security.enums import Role
from claimdesk.support import outbox
from claimdesk.support.models import OutboxMessage
from tests.integration.messaging.conftest import Mailbox, free_port
from tests.integration.support.conftest import make_customer


def _outbox(world):
    with world.container.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.mark.parametrize(
    ("locale", "name", "opening"),
    [("en", "name_en", "Dear Li Lei"), ("zh-CN", "name_zh", "尊敬的李雷")],
)
def test_the_customer_gets_the_acknowledgement_naming_the_claim_and_the_documents_it_needs(
    world, smtp_out, locale, name, opening
):
    holder = make_customer(world, locale=locale, email="li.lei@example.com")
    response = world.report(world.login(Role.CUSTOMER, holder), world.policy(holder))
    claim = response.json()

    [mail] = smtp_out.to("li.lei@example.com")
    assert claim["number"] in mail["Subject"]
    assert mail["Content-Language"] == locale
    assert mail["From"] == world.container.settings.mail_from
    assert mail["Message-ID"]
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert text.startswith(opening)
    assert claim["required_documents"], "a medical claim needs documents"
    for document in claim["required_documents"]:
        assert document[name] in text
        assert document[name] in html
    assert f"/claims/{claim['id']}" in text
    [row] = [m for m in _outbox(world) if m.channel == "email"]
    assert (row.state, row.template, row.category) == ("sent", "claim_reported", "statutory")
    assert row.provider_id == mail["Message-ID"]


def _certificate(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_mail_goes_after_starttls_and_login_as_the_smtp_url_says(world, tmp_path, use_notifier):
    cert_file, key_file = _certificate(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=auth_data.password == b"s3cret pass")

    box, port = Mailbox(), free_port()
    server = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    server.start()
    try:
        settings = world.container.settings.model_copy(
            update={
                "smtp_url": SecretStr(
                    f"smtp://claims%40example.com:s3cret%20pass@127.0.0.1:{port}?cafile={cert_file}"
                )
            }
        )
        use_notifier(notifier_for(settings))
        holder = make_customer(world, locale="en", email="li.lei@example.com")
        world.report(world.login(Role.CUSTOMER, holder), world.policy(holder))
    finally:
        server.stop()
    assert logins == [(b"claims@example.com", b"s3cret pass", True)]
    [mail] = box.to("li.lei@example.com")
    assert "received" in mail["Subject"]


def test_a_mailbox_the_server_refuses_is_recorded_and_not_tried_again(world, smtp_out, clock):
    smtp_out.refuse["nobody@example.com"] = "550 5.1.1 <nobody@example.com>: user unknown"
    holder = make_customer(world, locale="en", email="nobody@example.com")
    world.report(world.login(Role.CUSTOMER, holder), world.policy(holder))

    [row] = [m for m in _outbox(world) if m.channel == "email"]
    assert row.state == "refused"
    assert "550" in row.last_error and "user unknown" in row.last_error
    clock.advance(timedelta(hours=1))
    with world.container.sessions() as session:
        assert row.id not in outbox.due(session, now=clock.now())
    assert smtp_out.messages == []


def test_a_temporary_refusal_is_retried_after_backoff_and_then_delivered_once(
    world, smtp_out, clock
):
    smtp_out.refuse["li.lei@example.com"] = "451 4.7.1 Greylisted, try again later"
    holder = make_customer(world, locale="en", email="li.lei@example.com")
    world.report(world.login(Role.CUSTOMER, holder), world.policy(holder))
    [row] = [m for m in _outbox(world) if m.channel == "email"]
    assert (row.state, row.attempts) == ("failed", 1)
    assert "451" in row.last_error

    del smtp_out.refuse["li.lei@example.com"]
    sessions, notifier = world.container.sessions, world.container.notifier
    assert outbox.deliver(sessions, message_id=row.id, now=clock.now(), notifier=notifier) == (
        "skipped"  # not before its backoff
    )
    clock.advance(timedelta(minutes=2))
    with sessions() as session:
        assert outbox.due(session, now=clock.now()) == [row.id]
    assert outbox.deliver(sessions, message_id=row.id, now=clock.now(), notifier=notifier) == "sent"
    assert outbox.deliver(sessions, message_id=row.id, now=clock.now(), notifier=notifier) == (
        "skipped"
    )
    assert len(smtp_out.to("li.lei@example.com")) == 1
