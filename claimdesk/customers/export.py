"""A customer's data in clear, for the customer (PIPL arts. 45: the right to a copy).

Everything the customer 360 and the documents hold, as the customer may see it: profile
with ID number, phone and bank accounts in clear; policies held or insured; claims with
their timeline, loss lines, payments and documents (metadata and the text read); tickets
with their messages (staff's internal notes are not the customer's copy); disputes;
surveys; notifications sent; loyalty points with every movement; contact consents;
assistant conversations; sign-in accounts. Internal labels (lifecycle stage, segment,
next best service, risk scores, reserves) are staff working data and are left out.

The customer exports their own; staff export only on the customer's request, saying which
(``reason``): each export logs the sensitive fields read in clear with that purpose.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from claimdesk.assistant.models import Conversation
from claimdesk.audit import service as audit
from claimdesk.claims import clocks as statutory_clocks
from claimdesk.claims import service as claims
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import ClaimEventOut
from claimdesk.config import Settings
from claimdesk.core.errors import NotFound, ValidationFailed
from claimdesk.customers.models import Customer, LoyaltyEntry
from claimdesk.customers.profile import loyalty_view
from claimdesk.customers.schemas import CustomerOut, LoyaltyEntryOut, NotificationBrief, SurveyBrief
from claimdesk.documents.models import Document
from claimdesk.documents.schemas import DocumentDetailOut
from claimdesk.documents.storage import BlobStore
from claimdesk.messaging.models import ContactPreference
from claimdesk.policies.models import InsuredPerson, Policy
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support import service as support
from claimdesk.support.models import Dispute, OutboxMessage, Survey, Ticket

FORMAT_VERSION = 1


def _subject_of(session: Session, *, actor: Actor, customer_id: int, reason: str | None) -> str:
    """Who may export, and the purpose logged: the customer themself, or staff with
    ``customers.export`` on the customer's request (the reason is required)."""
    if actor.is_customer:
        if actor.customer_id != customer_id:
            raise NotFound(f"Customer {customer_id} does not exist.")
        return "data export: the customer's own request"
    require(actor, "customers.export")
    if not reason or not reason.strip():
        raise ValidationFailed(
            "Say whose request this export answers in 'reason' (e.g. the ticket number). "
            "请在 reason 中注明导出依据（如服务请求编号）。",
            details=[{"field": "reason"}],
        )
    return f"data export on request: {reason.strip()}"[:256]


def export_customer(
    session: Session,
    *,
    actor: Actor,
    customer_id: int,
    reason: str | None,
    now: datetime,
    settings: Settings,
) -> dict[str, Any]:
    """All the customer's data in clear, JSON-ready."""
    purpose = _subject_of(session, actor=actor, customer_id=customer_id, reason=reason)
    customer = session.get(Customer, customer_id)
    if customer is None or customer.merged_into_id is not None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    # Everything below is read as the customer sees it (their row-level rules).
    subject = Actor(user_id=None, role=Role.CUSTOMER, customer_id=customer_id)
    profile = CustomerOut.model_validate(customer)
    reads: list[tuple[str, object, str]] = [("customers", customer.id, "id_number")]
    if customer.phone is not None:
        reads.append(("customers", customer.id, "phone"))
    reads += [("bank_accounts", a.id, "account_number") for a in customer.bank_accounts]

    insured_on = select(InsuredPerson.policy_id).where(InsuredPerson.customer_id == customer_id)
    policies = session.scalars(
        select(Policy)
        .where(or_(Policy.holder_id == customer_id, Policy.id.in_(insured_on)))
        .order_by(Policy.id)
    ).all()
    claim_rows = session.scalars(
        select(Claim).where(Claim.customer_id == customer_id).order_by(Claim.id)
    ).all()
    found_clocks = statutory_clocks.of_claims(session, [c.id for c in claim_rows])
    claims_out = []
    for claim in claim_rows:
        view = claims.claim_view(
            claim, actor=subject, now=now, settings=settings, clocks=found_clocks.get(claim.id, [])
        )
        documents = session.scalars(
            select(Document).where(Document.claim_id == claim.id).order_by(Document.id)
        ).all()
        reads += [("documents", d.id, "text") for d in documents if d.text]
        claims_out.append(
            {
                **view.model_dump(mode="json"),
                "timeline": [
                    ClaimEventOut.model_validate(e).model_dump(mode="json")
                    for e in claims.timeline(session, actor=subject, claim_id=claim.id)
                ],
                "documents": [
                    DocumentDetailOut.model_validate(d).model_dump(mode="json") for d in documents
                ],
            }
        )
    tickets = session.scalars(
        select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.id)
    ).all()
    users = session.scalars(select(User).where(User.customer_id == customer_id)).all()
    conversations = session.scalars(
        select(Conversation)
        .where(
            or_(
                Conversation.customer_id == customer_id,
                Conversation.user_id.in_([u.id for u in users]),
            )
        )
        .order_by(Conversation.created_at)
    ).all()
    consent = session.get(ContactPreference, customer_id)
    audit.record_sensitive_reads(
        session, actor_id=actor.user_id, role=actor.role, reads=reads, purpose=purpose, now=now
    )
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": now.isoformat(),
        "customer_id": customer_id,
        "profile": profile.model_dump(mode="json"),
        "sign_in_accounts": [
            {"username": u.username, "active": u.active, "created_at": u.created_at.isoformat()}
            for u in users
        ],
        "policies": [
            {
                "id": p.id,
                "number": p.number,
                "product_code": p.product.code,
                "product_name_zh": p.product.name_zh,
                "product_name_en": p.product.name_en,
                "role": "holder" if p.holder_id == customer_id else "insured",
                "start_date": p.start_date.isoformat(),
                "end_date": p.end_date.isoformat(),
                "status": p.status,
                "sum_insured": str(p.sum_insured),
            }
            for p in policies
        ],
        "claims": claims_out,
        "tickets": [
            support.ticket_view(session, t, actor=subject, now=now).model_dump(mode="json")
            for t in tickets
        ],
        "disputes": [
            _columns(d)
            for d in session.scalars(
                select(Dispute).where(Dispute.customer_id == customer_id).order_by(Dispute.id)
            )
        ],
        "surveys": [
            SurveyBrief.model_validate(s).model_dump(mode="json")
            for s in session.scalars(
                select(Survey).where(Survey.customer_id == customer_id).order_by(Survey.id)
            )
        ],
        "notifications": [
            {**NotificationBrief.model_validate(n).model_dump(mode="json"), "body": n.body}
            for n in session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.customer_id == customer_id)
                .order_by(OutboxMessage.id)
            )
        ],
        "loyalty": {
            **loyalty_view(session, customer_id=customer_id).model_dump(
                mode="json", exclude={"entries"}
            ),
            "entries": [
                LoyaltyEntryOut.model_validate(e).model_dump(mode="json")
                for e in session.scalars(
                    select(LoyaltyEntry)
                    .where(LoyaltyEntry.customer_id == customer_id)
                    .order_by(LoyaltyEntry.id)
                )
            ],
        },
        "consents": {
            "contact_channels": consent.channels if consent else None,
            "opt_out_non_statutory": consent.opt_out_non_statutory if consent else False,
            "updated_at": consent.updated_at.isoformat() if consent else None,
        },
        "assistant_conversations": [
            {
                "id": c.id,
                "locale": c.locale,
                "created_at": c.created_at.isoformat(),
                "messages": [
                    {"at": m.at.isoformat(), "author": m.author, "text": m.text} for m in c.messages
                ],
            }
            for c in conversations
        ],
    }


def _columns(row: Any) -> dict[str, Any]:
    """A row's columns, JSON-ready (decrypted by their column types)."""
    return {column.key: _plain(getattr(row, column.key)) for column in row.__table__.columns}


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


_UNSAFE = re.compile(r"[^\w.\-]+")


def export_zip(data: dict[str, Any], *, store: BlobStore) -> bytes:
    """``data.json`` and every document's file under ``documents/<claim number>/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for claim in data["claims"]:
            for document in claim["documents"]:
                name = _UNSAFE.sub("_", document["filename"]).strip("._") or "file"
                archive.writestr(
                    f"documents/{claim['number'] or claim['id']}/{document['id']}-{name}",
                    store.get(document["sha256"]),
                )
    return buffer.getvalue()
