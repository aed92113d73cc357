"""`claimdesk mail-gateway` as a real process: mail sent to it with smtplib becomes a ticket."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage

from sqlalchemy import select

from claimdesk.support.models import Ticket
from tests.e2e.serving import free_port, wait_for
from tests.integration.messaging.conftest import customer_with_email


def test_the_mail_gateway_command_turns_mail_into_tickets(world, container, tmp_path):
    customer = customer_with_email(world)
    port = free_port()
    env = {
        **os.environ,
        "CLAIMDESK_DATABASE_URL": container.settings.resolved_database_url,
        "CLAIMDESK_DATA_DIR": str(tmp_path / "data"),
        "CLAIMDESK_SUPPORT_ADDRESS": "help@insurer.example",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "claimdesk", "mail-gateway", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert f"listening on 127.0.0.1:{port}" in process.stdout.readline()
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = customer.email, "help@insurer.example", "Hi"
        mail.set_content("Is dental care covered?")
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(mail)

        def ticket() -> Ticket | None:
            with container.sessions() as session:
                return session.scalars(select(Ticket)).one_or_none()

        found = wait_for(ticket, "the e-mail's ticket")
        assert (found.customer_id, found.channel, found.subject) == (customer.id, "email", "Hi")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        process.stdout.close()
