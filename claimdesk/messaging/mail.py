"""E-mail out over SMTP (the standard library's smtplib): multipart text + HTML.

``smtp://user:pass@host:587`` sends after STARTTLS (refused if the server does not offer
it; add ``?starttls=off`` only for a development relay on the same machine);
``smtps://user:pass@host:465`` speaks TLS from the start. ``?cafile=/path/ca.pem`` trusts
a private certificate authority. A refusal with a 5xx code (no such mailbox, message
rejected) is final and recorded as such; 4xx codes and connection trouble are retried.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from claimdesk.core.errors import ValidationFailed
from claimdesk.support.outbox import OutgoingMessage, Refused

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


def compose(message: OutgoingMessage, *, sender: str, reply_to: str | None) -> EmailMessage:
    """The e-mail for an outbox message: text, plus HTML when there is some."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    if reply_to and parseaddr(reply_to)[1] != parseaddr(sender)[1]:
        mail["Reply-To"] = reply_to
    mail["Auto-Submitted"] = "auto-generated"
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.body)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    mail["Content-Language"] = message.locale  # after the content, which clears Content-*
    return mail


class SmtpMailer:
    """Sends one e-mail per call over a fresh connection."""

    def __init__(
        self, url: str, *, sender: str, reply_to: str | None = None, timeout: float = 30.0
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValidationFailed(
                "CLAIMDESK_SMTP_URL must look like smtp://user:pass@host:587 or "
                "smtps://user:pass@host:465."
            )
        options = parse_qs(parts.query)
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = options.get("starttls", ["on"])[0] != "off"
        self.host = parts.hostname
        self.port = parts.port or DEFAULT_PORTS[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        cafile = options.get("cafile", [None])[0]
        self.tls = ssl.create_default_context(cafile=cafile)
        self.sender, self.reply_to, self.timeout = sender, reply_to, timeout

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls)
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if self.starttls:
                connection.starttls(context=self.tls)  # raises if the server does not offer it
                connection.ehlo()
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: OutgoingMessage) -> str | None:
        mail = compose(message, sender=self.sender, reply_to=self.reply_to)
        envelope_from = parseaddr(self.sender)[1]
        try:
            with self._connect() as connection:
                if self.username:
                    connection.login(self.username, self.password or "")
                connection.send_message(mail, from_addr=envelope_from, to_addrs=[message.address])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            _raise_for(code, reason)
            raise
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            _raise_for(exc.smtp_code, exc.smtp_error)
            raise
        return str(mail["Message-ID"]) if mail["Message-ID"] else None


def _raise_for(code: int, reason: bytes | str) -> None:
    """A 5xx answer is final: raise Refused with the server's words."""
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else reason
    if 500 <= code < 600:
        raise Refused(f"{code} {text}")
