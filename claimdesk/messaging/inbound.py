"""E-mail in: a message to the support address becomes a ticket, or a message on the ticket
it replies to.

- From a known customer's address (and not failing SPF/DKIM/DMARC where the receiving
  server recorded them): their ticket, channel ``email``; a claim number in the subject or
  text links their claim.
- A reply is threaded by its In-Reply-To/References (our e-mails' Message-IDs, the
  ticket's thread id) or a ticket number in the subject, and appended when it comes from
  the ticket's own sender; otherwise it opens a ticket of its own.
- From anyone else: a ticket marked unverified, linked to no customer: nothing of anyone's
  data is shown to or sent to its sender (staff may answer by e-mail).
- Attachments are checked and stored like claim uploads (documents/inspection.py): same
  size limit, same refusals, at most ``MAX_ATTACHMENTS``; a refused one is listed on the
  ticket with the reason.
- A delivery status notification (a bounce) marks the outbox message it returns.

Each Message-ID is processed once: a sender retrying after a temporary failure changes
nothing the second time.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.utils import parseaddr
from html.parser import HTMLParser

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claimdesk.claims.models import Claim
from claimdesk.claims.repository import can_see
from claimdesk.config import Settings
from claimdesk.core.errors import ClaimDeskError, Conflict
from claimdesk.customers.models import Customer
from claimdesk.documents.inspection import inspect_upload
from claimdesk.documents.storage import BlobStore
from claimdesk.messaging import rules
from claimdesk.messaging.enums import InboundOutcome, OutboxState
from claimdesk.messaging.models import InboundEmail
from claimdesk.messaging.notifiers import support_address
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor
from claimdesk.support import service as support
from claimdesk.support.enums import CLAIM_INQUIRY, CONSULTATION, TicketChannel
from claimdesk.support.models import OutboxMessage, Ticket, TicketAttachment
from claimdesk.support.schemas import TicketIn

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 10
MAX_BODY = 8000
MAX_SUBJECT = 256


def max_message_bytes(settings: Settings) -> int:
    """The largest e-mail accepted: one upload's worth of files, base64-encoded, plus text."""
    return settings.upload_max_bytes * 4 // 3 + 256 * 1024


@dataclass
class Attachment:
    filename: str
    data: bytes


@dataclass
class Bounce:
    original_message_id: str | None
    status: str
    diagnostic: str


@dataclass
class ParsedEmail:
    message_id: str
    sender: str
    subject: str
    body: str
    in_reply_to: str | None
    references: str | None
    auth_headers: list[str]
    attachments: list[Attachment] = field(default_factory=list)
    bounce: Bounce | None = None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")


def _html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def _body(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    text = _html_text(content) if part.get_content_type() == "text/html" else content
    return rules.strip_quoted(str(text))


def _bounce(mail: EmailMessage) -> Bounce | None:
    if mail.get_content_type() != "multipart/report":
        return None
    if mail.get_param("report-type") != "delivery-status":
        return None
    status = diagnostic = ""
    original: str | None = None
    for part in mail.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                if isinstance(block, Message):
                    status = status or str(block.get("Status", ""))
                    diagnostic = diagnostic or str(block.get("Diagnostic-Code", ""))
        elif kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original = str(inner[0].get("Message-ID", "")) or None
        elif kind == "text/rfc822-headers":
            headers = HeaderParser().parsestr(part.get_content())
            original = str(headers.get("Message-ID", "")) or None
    return Bounce(original.strip() if original else None, status.strip(), diagnostic.strip())


def _content(part: Message) -> bytes:
    """A part's decoded bytes (none for a multipart part)."""
    content = part.get_payload(decode=True)
    return content if isinstance(content, bytes) else b""


def parse(raw: bytes) -> ParsedEmail:
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    message_id = str(mail.get("Message-ID", "")).strip()
    if not message_id:
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id>"
    attachments = [
        Attachment(part.get_filename() or "attachment", _content(part))
        for part in mail.iter_attachments()
        if part.get_filename() and part.get_content_maintype() not in ("message", "multipart")
    ]
    return ParsedEmail(
        message_id=message_id[:512],
        sender=parseaddr(str(mail.get("From", "")))[1].lower(),
        subject=" ".join(str(mail.get("Subject", "")).split()),
        body=_body(mail),
        in_reply_to=str(mail.get("In-Reply-To", "")) or None,
        references=str(mail.get("References", "")) or None,
        auth_headers=[str(v) for v in mail.get_all("Authentication-Results") or []],
        attachments=attachments,
        bounce=_bounce(mail),
    )


# ---------------------------------------------------------------- receiving


def accepts(settings: Settings, recipient: str) -> bool:
    """Whether the gateway takes mail for this address (the support address only)."""
    return parseaddr(recipient)[1].lower() == parseaddr(support_address(settings))[1].lower()


def receive(
    session: Session, *, raw: bytes, now: datetime, settings: Settings, store: BlobStore
) -> InboundEmail:
    """Turn one e-mail into a ticket or a ticket message (or a recorded bounce)."""
    mail = parse(raw)
    seen = session.scalars(
        select(InboundEmail).where(InboundEmail.message_id == mail.message_id)
    ).one_or_none()
    if seen is not None:
        return seen
    auth = rules.auth_results(mail.auth_headers, settings.inbound_authserv_id)
    record = InboundEmail(
        message_id=mail.message_id,
        sender=mail.sender[:256],
        subject=mail.subject[:256],
        size=len(raw),
        spf=auth.spf,
        dkim=auth.dkim,
        dmarc=auth.dmarc,
        verified=False,
        outcome=InboundOutcome.UNVERIFIED,
        received_at=now,
    )
    session.add(record)
    if mail.bounce is not None:
        record.outcome = InboundOutcome.BOUNCE
        record.outbox_id = _record_bounce(session, mail.bounce, now)
        session.flush()
        return record
    customer = _customer_with(session, mail.sender) if mail.sender else None
    record.verified = customer is not None and not auth.failed
    sender_customer = customer if record.verified else None
    ticket = _thread(session, mail, settings)
    message_id: int | None = None
    if ticket is not None and _same_sender(ticket, sender_customer, mail.sender):
        try:
            message = support.add_email_message(
                session,
                ticket_id=ticket.id,
                customer_id=ticket.customer_id,
                body=_clip(mail.body, MAX_BODY) or "(empty message)",
                now=now,
            )
            message_id = message.id
            record.outcome = InboundOutcome.TICKET_UPDATED
        except Conflict:
            ticket = None  # closed: the reply opens a new ticket
    else:
        ticket = None
    if ticket is None:
        ticket = _open(session, mail, sender_customer, now)
        message_id = ticket.messages[0].id
        record.outcome = (
            InboundOutcome.TICKET_CREATED if sender_customer else InboundOutcome.UNVERIFIED
        )
    record.ticket_id = ticket.id
    _attach(session, ticket, message_id, mail.attachments, now, settings, store)
    session.flush()
    return record


def _customer_with(session: Session, address: str) -> Customer | None:
    return session.scalars(
        select(Customer).where(func.lower(Customer.email) == address).order_by(Customer.id)
    ).first()


def _same_sender(ticket: Ticket, customer: Customer | None, sender: str) -> bool:
    if ticket.customer_id is not None:
        return customer is not None and customer.id == ticket.customer_id
    return customer is None and (ticket.sender_address or "").lower() == sender


def _thread(session: Session, mail: ParsedEmail, settings: Settings) -> Ticket | None:
    """The ticket an e-mail replies to: by the Message-IDs it names, else by the ticket
    number in its subject."""
    for referenced in rules.referenced_ids(mail.in_reply_to, mail.references):
        ticket_id = session.scalar(
            select(OutboxMessage.ticket_id).where(OutboxMessage.provider_id == referenced)
        ) or session.scalar(
            select(InboundEmail.ticket_id).where(InboundEmail.message_id == referenced)
        )
        local = referenced.strip("<>").partition("@")[0].upper()
        if ticket_id is None and rules.TICKET_NUMBER.fullmatch(local):
            ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == local))
        if ticket_id is not None:
            return session.get(Ticket, ticket_id)
    number = rules.ticket_number_in(mail.subject)
    if number is None:
        return None
    return session.scalars(select(Ticket).where(Ticket.number == number)).one_or_none()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(session: Session, mail: ParsedEmail, customer: Customer | None, now: datetime) -> Ticket:
    locale = rules.guess_locale(f"{mail.subject} {mail.body}")
    subject = _clip(mail.subject, MAX_SUBJECT) or (
        "(no subject)" if locale == "en" else "（无主题）"
    )
    body = _clip(mail.body, MAX_BODY) or ("(empty message)" if locale == "en" else "（空白邮件）")
    if customer is None:
        return support.open_unverified_ticket(
            session,
            data=TicketIn(kind=CONSULTATION, subject=subject, body=body),
            sender_address=mail.sender[:256],
            now=now,
        )
    actor = Actor(user_id=None, role=Role.CUSTOMER, customer_id=customer.id)
    claim = _named_claim(session, actor, f"{mail.subject} {mail.body}")
    return support.create_ticket(
        session,
        actor=actor,
        data=TicketIn(
            kind=CLAIM_INQUIRY if claim else CONSULTATION,
            subject=subject,
            body=body,
            channel=TicketChannel.EMAIL,
            claim_id=claim.id if claim else None,
        ),
        now=now,
    )


def _named_claim(session: Session, actor: Actor, text: str) -> Claim | None:
    """The first claim of the customer's the e-mail names by number."""
    for number in rules.claim_numbers_in(text):
        claim = session.scalars(select(Claim).where(Claim.number == number)).one_or_none()
        if claim is not None and can_see(actor, claim):
            return claim
    return None


def _attach(
    session: Session,
    ticket: Ticket,
    message_id: int | None,
    attachments: list[Attachment],
    now: datetime,
    settings: Settings,
    store: BlobStore,
) -> None:
    for number, attachment in enumerate(attachments):
        row = TicketAttachment(
            ticket_id=ticket.id,
            message_id=message_id,
            filename=attachment.filename.rsplit("/", 1)[-1][:256],
            size=len(attachment.data),
            uploaded_at=now,
        )
        if number >= MAX_ATTACHMENTS:
            row.error = f"Only {MAX_ATTACHMENTS} files per e-mail are taken; send the rest again."
        else:
            try:
                inspected = inspect_upload(attachment.data, max_bytes=settings.upload_max_bytes)
            except ClaimDeskError as exc:
                row.error = exc.message
            else:
                row.sha256 = store.put(attachment.data)
                row.mime = inspected.mime
        session.add(row)


def _record_bounce(session: Session, bounce: Bounce, now: datetime) -> int | None:
    if bounce.original_message_id is None:
        return None
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.provider_id == bounce.original_message_id)
    ).first()
    if message is None:
        return None
    message.state = OutboxState.BOUNCED
    message.bounced_at = now
    message.last_error = f"bounced: {bounce.status} {bounce.diagnostic}".strip()[:2000]
    return message.id
