"""The inbound mail gateway: an SMTP listener (aiosmtpd) for the support address.

It accepts mail for the support address only (550 for any other recipient), refuses
messages above the size limit at the SMTP level (552), and hands each message to
:func:`claimdesk.messaging.inbound.receive` in a worker thread; if that fails, the sender
is told to try again later (451), so nothing is lost. Run by ``claimdesk mail-gateway`` or,
when ``CLAIMDESK_INBOUND_SMTP_PORT`` is set, alongside the job runner (``claimdesk worker``).
Put it behind the organisation's mail exchanger, which checks SPF/DKIM/DMARC and records
them in Authentication-Results (see ``CLAIMDESK_INBOUND_AUTHSERV_ID``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession

from claimdesk.bootstrap import Container
from claimdesk.core.db import unit_of_work
from claimdesk.messaging import inbound

log = logging.getLogger(__name__)


class SupportInbox:
    """aiosmtpd handler: the support address's mail becomes tickets."""

    def __init__(self, container: Container) -> None:
        self.container = container

    async def handle_RCPT(
        self,
        server: SMTP,
        session: SmtpSession,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not inbound.accepts(self.container.settings, address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw).encode("utf-8")
        try:
            await asyncio.to_thread(self.receive, raw)
        except Exception:
            log.exception("could not take an inbound e-mail; the sender will retry")
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 Message accepted"

    def receive(self, raw: bytes) -> None:
        container = self.container
        with unit_of_work(container.sessions) as session:
            inbound.receive(
                session,
                raw=raw,
                now=container.clock.now(),
                settings=container.settings,
                store=container.blobs,
            )


def listener(
    container: Container, *, host: str | None = None, port: int | None = None
) -> Controller:
    """The SMTP listener (not started): the settings' host and port unless given."""
    settings = container.settings
    chosen = port or settings.inbound_smtp_port
    if chosen is None:
        raise ValueError("Set CLAIMDESK_INBOUND_SMTP_PORT (or --port) for the mail gateway.")
    options: dict[str, Any] = {"data_size_limit": inbound.max_message_bytes(settings)}
    return Controller(
        SupportInbox(container),
        hostname=host or settings.inbound_smtp_host,
        port=chosen,
        server_hostname="claimdesk",
        **options,
    )
