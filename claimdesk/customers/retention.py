"""Retention: personal data past its period is erased or pseudonymised (PIPL art. 19, 47).

Periods per record type are data (``retention.toml``). What goes:

- a claim past its period: its description, place, decision reason, closing feedback,
  attributes, loss-line texts, and its documents' text read, key fields and file names;
- a ticket past its period: its subject, sender address and every message body;
- an assistant conversation past its period: its messages and dialogue state;
- a customer whose policies all ended before their period and who has nothing kept
  (no claim or ticket not yet erased): pseudonymised (name, ID number, phone, e-mail,
  address, birth date, bank account numbers and holders), sign-in accounts disabled.

Amounts, dates, states and the claim timelines stay (the audit ledger and the money
reconciliation check them), so ``claimdesk audit verify`` keeps passing. Each erasure is a
ledger entry ``privacy.erased`` with the SHA-256 of the erased values, never the values.
A claim's document files are deleted from the store once no document of a claim still
kept names the same content (:func:`files_to_delete`, after the erasure is committed);
``audit verify`` accepts a missing file for a claim the ledger records as erased.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.assistant.models import Conversation, ConversationMessage
from claimdesk.audit import service as audit
from claimdesk.audit.rules import canonical
from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.models import Claim, LossLine
from claimdesk.core.db import unit_of_work
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.documents.models import Document
from claimdesk.documents.storage import BlobStore
from claimdesk.policies.models import InsuredPerson, Policy
from claimdesk.security.models import User
from claimdesk.support.enums import TicketStatus
from claimdesk.support.models import Ticket, TicketMessage

ERASED = "[已删除 erased]"
_ENDED = (ClaimStatus.ARCHIVED, ClaimStatus.CLOSED, ClaimStatus.WITHDRAWN)
BATCH = 500


@dataclass(frozen=True)
class Periods:
    claims: timedelta
    tickets: timedelta
    assistant_conversations: timedelta
    customers: timedelta


def _years(n: float) -> timedelta:
    return timedelta(days=round(365.25 * n))


def parse_periods(raw: dict[str, Any]) -> Periods:
    """The periods from the TOML table; each record type needs ``years`` >= 0."""
    values = {}
    for name in ("claims", "tickets", "assistant_conversations", "customers"):
        years = raw.get(name, {}).get("years")
        if not isinstance(years, int | float) or years < 0:
            raise ValueError(f"retention.toml: [{name}] needs years = a number >= 0")
        values[name] = _years(years)
    return Periods(**values)


def load_periods() -> Periods:
    text = resources.files("claimdesk.customers").joinpath("retention.toml").read_text("utf-8")
    return parse_periods(tomllib.loads(text))


def digest(values: Any) -> str:
    """The SHA-256 the ledger keeps of erased values (canonical JSON)."""
    return hashlib.sha256(canonical(values).encode()).hexdigest()


@dataclass
class Erased:
    claims: int = 0
    tickets: int = 0
    conversations: int = 0
    customers: int = 0
    # The sha256 of the erased claims' document files (deleted once committed).
    files: set[str] = field(default_factory=set)


def _ledger(session: Session, kind: str, subject_id: object, values: Any, now: datetime) -> None:
    audit.record(
        session,
        {
            "at": now,
            "actor_id": None,
            "actor_role": "system",
            "action": "privacy.erased",
            "subject_type": kind,
            "subject_id": str(subject_id),
            "data": {"erased_sha256": digest(values), "fields": sorted(values)},
        },
    )


def erase_claim(session: Session, claim: Claim, *, now: datetime) -> None:
    lines = session.scalars(select(LossLine).where(LossLine.claim_id == claim.id)).all()
    documents = session.scalars(select(Document).where(Document.claim_id == claim.id)).all()
    values = {
        "description": claim.description,
        "incident_location": claim.incident_location,
        "decision_reason": claim.decision_reason,
        "closing_feedback": claim.closing_feedback,
        "attributes": claim.attributes,
        "loss_lines": [line.description for line in lines],
        "documents": [[d.filename, d.text, d.fields] for d in documents],
    }
    claim.description = ERASED
    claim.incident_location = ""
    claim.decision_reason = ERASED if claim.decision_reason else None
    claim.closing_feedback = None
    claim.attributes = {}
    for line in lines:
        line.description = ERASED
    for document in documents:
        document.text = None
        document.fields = {}
        document.filename = "erased"
    claim.personal_data_erased_at = now
    _ledger(session, "claim", claim.id, values, now)


def erase_ticket(session: Session, ticket: Ticket, *, now: datetime) -> None:
    messages = session.scalars(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
    ).all()
    values = {
        "subject": ticket.subject,
        "sender_address": ticket.sender_address,
        "messages": [m.body for m in messages],
    }
    ticket.subject = ERASED
    ticket.sender_address = None
    for message in messages:
        message.body = ERASED
    ticket.personal_data_erased_at = now
    _ledger(session, "ticket", ticket.id, values, now)


def erase_conversation(session: Session, conversation: Conversation, *, now: datetime) -> None:
    values = {
        "messages": [m.text for m in conversation.messages],
        "state": conversation.state,
    }
    session.execute(
        delete(ConversationMessage).where(ConversationMessage.session_id == conversation.id)
    )
    session.expire(conversation, ["messages"])
    conversation.state = {}
    _ledger(session, "assistant_session", conversation.id, values, now)


def pseudonymise_customer(session: Session, customer: Customer, *, now: datetime) -> None:
    accounts = session.scalars(
        select(BankAccount).where(BankAccount.customer_id == customer.id)
    ).all()
    values = {
        "name": customer.name,
        "name_en": customer.name_en,
        "birth_date": customer.birth_date,
        "gender": customer.gender,
        "id_number": customer.id_number,
        "phone": customer.phone,
        "email": customer.email,
        "address": customer.address,
        "bank_accounts": [[a.account_number, a.holder_name] for a in accounts],
    }
    customer.name = f"已删除客户 Erased customer {customer.id}"
    customer.name_en = None
    customer.birth_date = None
    customer.gender = None
    customer.id_number = f"erased:{customer.id}"
    customer.phone = None
    customer.email = None
    customer.address = None
    customer.erased_at = now
    for account in accounts:
        account.account_number = "0" * 8
        account.holder_name = ERASED
    for user in session.scalars(select(User).where(User.customer_id == customer.id)):
        user.active = False
        user.full_name = ""
    _ledger(session, "customer", customer.id, values, now)


def erase_due(session: Session, *, now: datetime, periods: Periods | None = None) -> Erased:
    """Erase what is past its period (at most BATCH records of each type per call)."""
    periods = periods or load_periods()
    done = Erased()
    ended = func.coalesce(Claim.archived_at, Claim.closed_at, Claim.withdrawn_at)
    for claim in session.scalars(
        select(Claim)
        .where(
            Claim.status.in_(_ENDED),
            Claim.personal_data_erased_at.is_(None),
            ended < now - periods.claims,
        )
        .order_by(Claim.id)
        .limit(BATCH)
    ):
        erase_claim(session, claim, now=now)
        done.claims += 1
        done.files.update(
            session.scalars(select(Document.sha256).where(Document.claim_id == claim.id))
        )
    for ticket in session.scalars(
        select(Ticket)
        .where(
            Ticket.status == TicketStatus.CLOSED,
            Ticket.personal_data_erased_at.is_(None),
            Ticket.closed_at < now - periods.tickets,
        )
        .order_by(Ticket.id)
        .limit(BATCH)
    ):
        erase_ticket(session, ticket, now=now)
        done.tickets += 1
    with_messages = select(ConversationMessage.session_id)
    for conversation in session.scalars(
        select(Conversation)
        .where(
            Conversation.updated_at < now - periods.assistant_conversations,
            Conversation.id.in_(with_messages),
        )
        .order_by(Conversation.created_at)
        .limit(BATCH)
    ):
        erase_conversation(session, conversation, now=now)
        done.conversations += 1
    session.flush()
    for customer in session.scalars(_customers_due(now - periods.customers).limit(BATCH)):
        pseudonymise_customer(session, customer, now=now)
        done.customers += 1
    session.flush()
    return done


def files_to_delete(session: Session, erased: set[str]) -> set[str]:
    """Of the erased claims' files, those no document of a claim still kept names (the
    store keeps one file per content, which two claims may share)."""
    if not erased:
        return set()
    kept = session.scalars(
        select(Document.sha256)
        .join(Claim, Claim.id == Document.claim_id)
        .where(Document.sha256.in_(erased), Claim.personal_data_erased_at.is_(None))
    )
    return erased - set(kept)


def erase_and_delete_files(
    sessions: sessionmaker[Session], store: BlobStore, *, now: datetime
) -> dict[str, int]:
    """Erase what is due (one transaction), then, once that is committed, delete the files
    of the erased claims that nothing kept still names. Counts per record type."""
    with unit_of_work(sessions) as session:
        done = erase_due(session, now=now)
    with sessions() as session:
        doomed = files_to_delete(session, done.files)
    deleted = sum(store.delete(sha256) for sha256 in sorted(doomed))
    return {
        "claims": done.claims,
        "tickets": done.tickets,
        "conversations": done.conversations,
        "customers": done.customers,
        "files": deleted,
    }


def _customers_due(cutoff: datetime) -> Select[Customer]:
    """Customers not yet erased, created before the cutoff, whose policies (held or
    insured) all ended before it, with no claim or ticket whose data is still kept."""
    day = cutoff.date()
    recent_held = select(Policy.holder_id).where(Policy.end_date >= day)
    recent_insured = (
        select(InsuredPerson.customer_id)
        .join(Policy, Policy.id == InsuredPerson.policy_id)
        .where(Policy.end_date >= day)
    )
    kept_claims = select(Claim.customer_id).where(Claim.personal_data_erased_at.is_(None))
    kept_tickets = select(Ticket.customer_id).where(
        Ticket.personal_data_erased_at.is_(None), Ticket.customer_id.is_not(None)
    )
    return (
        select(Customer)
        .where(
            Customer.erased_at.is_(None),
            Customer.created_at < cutoff,
            ~Customer.id.in_(recent_held),
            ~Customer.id.in_(recent_insured),
            ~Customer.id.in_(kept_claims),
            ~Customer.id.in_(kept_tickets),
        )
        .order_by(Customer.id)
    )
