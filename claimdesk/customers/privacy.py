"""Data-subject requests (PIPL arts. 46-47): a customer asks to correct or to erase their
personal data; each request becomes a service-desk ticket of kind ``privacy_correction`` or
``privacy_erasure`` (SLA in support/sla.toml), routed to the team that handles those kinds
(the privacy desk), with what the customer asked in the first message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from claimdesk.customers.service import get_customer
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support import service as support
from claimdesk.support.enums import TicketChannel
from claimdesk.support.models import Ticket
from claimdesk.support.schemas import TicketIn

KINDS = {"correction": "privacy_correction", "erasure": "privacy_erasure"}
SUBJECTS = {
    "correction": "更正个人信息 / Correct my personal data",
    "erasure": "删除个人信息 / Erase my personal data",
}


def lodge_request(
    session: Session,
    *,
    actor: Actor,
    customer_id: int,
    request: str,
    details: str,
    channel: TicketChannel | None,
    now: datetime,
) -> Ticket:
    """Open the ticket for a correction or erasure request: the customer their own (others:
    404), or staff who work tickets taking the request at the counter or on the phone."""
    if not actor.is_customer:
        require(actor, "support.work")
    get_customer(session, actor=actor, customer_id=customer_id)
    data = TicketIn(
        kind=KINDS[request],
        subject=SUBJECTS[request],
        body=details,
        channel=channel or (None if actor.is_customer else TicketChannel.COUNTER),
        customer_id=None if actor.is_customer else customer_id,
    )
    return support.create_ticket(session, actor=actor, data=data, now=now)
