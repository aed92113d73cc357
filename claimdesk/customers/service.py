from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.audit import service as audit
from claimdesk.core.errors import Conflict, NotFound, PermissionDenied
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.customers.schemas import BankAccountIn, CustomerIn, CustomerOut
from claimdesk.security.crypto import search_hash
from claimdesk.security.masking import mask_field
from claimdesk.security.permissions import allowed, require
from claimdesk.security.service import Actor

SECOND_PERSON = "second_person"
BANK_PROOF = "bank_proof"


def add_bank_account(
    session: Session,
    *,
    customer: Customer,
    data: BankAccountIn,
    now: datetime,
    added_by: Actor | None = None,
) -> BankAccount:
    """Add a payee account, unverified: a second member of staff or a read bank proof
    verifies it (a holder name that matches the customer proves nothing)."""
    account = BankAccount(
        customer=customer,
        bank_name=data.bank_name,
        account_number=data.account_number.replace(" ", ""),
        holder_name=data.holder_name,
        verified_at=None,
        created_at=now,
        added_by_id=added_by.user_id if added_by else None,
    )
    session.add(account)
    return account


def existing_with_id_number(session: Session, id_number: str) -> Customer | None:
    """The (unmerged) customer who already holds this ID number, found by its keyed hash."""
    wanted = search_hash(id_number, purpose="customers.id_number")
    return session.scalars(
        select(Customer)
        .where(Customer.id_number_hash == wanted, Customer.merged_into_id.is_(None))
        .order_by(Customer.id)
        .limit(1)
    ).first()


def create_customer(
    session: Session, *, data: CustomerIn, now: datetime, added_by: Actor | None = None
) -> Customer:
    """A new customer; one customer per ID number (409 otherwise: staff are told which
    customer holds it, anyone else is not). ``added_by``: the user who adds them (their
    permission is checked); None for the system's own imports and demo data."""
    if added_by is not None:
        require(added_by, "customers.create")
    existing = existing_with_id_number(session, data.id_number)
    if existing is not None:
        if added_by is not None and not added_by.is_customer:
            raise Conflict(
                f"Customer {existing.id} already has this ID number: open that record "
                f"(or merge duplicates). 该证件号码已属于客户 {existing.id}，请使用该客户记录。",
                details=[{"existing_customer_id": existing.id}],
            )
        raise Conflict(
            "A customer with this ID number already exists: sign in to that account or "
            "contact customer service. 该证件号码已登记，请登录原账户或联系客服。"
        )
    customer = Customer(**data.model_dump(exclude={"bank_accounts"}, mode="python"), created_at=now)
    session.add(customer)
    for account in data.bank_accounts:
        add_bank_account(session, customer=customer, data=account, now=now, added_by=added_by)
    session.flush()
    return customer


def new_bank_account(
    session: Session, *, actor: Actor, customer_id: int, data: BankAccountIn, now: datetime
) -> BankAccount:
    """A customer adds their own payee account, or staff add one for them."""
    if not actor.is_customer:
        require(actor, "customers.create")
    customer = get_customer(session, actor=actor, customer_id=customer_id)
    account = add_bank_account(session, customer=customer, data=data, now=now, added_by=actor)
    session.flush()
    _record_account(session, account, "bank_account.added", actor=actor, now=now)
    return account


def verify_bank_account(
    session: Session, *, actor: Actor, customer_id: int, account_id: int, now: datetime
) -> BankAccount:
    """A second member of staff confirms the account (checked against the bank or the
    customer's card): never the person who added it."""
    require(actor, "customers.verify_account")
    account = session.get(BankAccount, account_id)
    if account is None or account.customer_id != customer_id:
        raise NotFound(f"Bank account {account_id} of customer {customer_id} does not exist.")
    if account.verified:
        raise Conflict(f"Bank account {account_id} is already verified ({account.verification}).")
    if account.added_by_id is not None and account.added_by_id == actor.user_id:
        raise PermissionDenied(
            "You added this bank account, so a second person must verify it. "
            "该账户由您添加，须由另一名工作人员核实。"
        )
    _mark_verified(session, account, SECOND_PERSON, actor=actor, now=now)
    return account


def verify_by_bank_proof(
    session: Session, *, account: BankAccount, document_id: int, now: datetime
) -> None:
    """The claim's read bank-proof document showed this account's number and holder."""
    account.verification_document_id = document_id
    _mark_verified(session, account, BANK_PROOF, actor=None, now=now)


def _mark_verified(
    session: Session, account: BankAccount, method: str, *, actor: Actor | None, now: datetime
) -> None:
    account.verified_at = now
    account.verified_by_id = actor.user_id if actor else None
    account.verification = method
    _record_account(session, account, "bank_account.verified", actor=actor, now=now)


def _record_account(
    session: Session, account: BankAccount, action: str, *, actor: Actor | None, now: datetime
) -> None:
    audit.record(
        session,
        {
            "at": now,
            "actor_id": actor.user_id if actor else None,
            "actor_role": actor.role if actor else "system",
            "action": action,
            "subject_type": "bank_account",
            "subject_id": str(account.id),
            "data": {
                "customer_id": account.customer_id,
                "account_number_hash": account.account_number_hash,
                "added_by_id": account.added_by_id,
                "verification": account.verification,
                "verification_document_id": account.verification_document_id,
            },
        },
    )


def get_customer(session: Session, *, actor: Actor, customer_id: int) -> Customer:
    if actor.is_customer and actor.customer_id != customer_id:
        raise NotFound(f"Customer {customer_id} does not exist.")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    return customer


def find_by_id_number(session: Session, *, actor: Actor, id_number: str) -> list[Customer]:
    """Customers with this ID number, found through its keyed hash (the column is encrypted)."""
    require(actor, "customers.search")
    wanted = search_hash(id_number, purpose="customers.id_number")
    return list(
        session.scalars(
            select(Customer).where(
                Customer.id_number_hash == wanted, Customer.merged_into_id.is_(None)
            )
        )
    )


def customer_view(
    session: Session, customer: Customer, *, actor: Actor, purpose: str, now: datetime
) -> CustomerOut:
    """The customer as this actor may see them: ID number, phone and bank account numbers
    in clear only with 'customers.view_sensitive' (each such read is logged), else masked."""
    out = CustomerOut.model_validate(customer)
    if not allowed(actor, "customers.view_sensitive"):
        return out.model_copy(
            update={
                "id_number": mask_field("id_number", out.id_number),
                "phone": mask_field("phone", out.phone),
                "bank_accounts": [
                    a.model_copy(
                        update={"account_number": mask_field("account_number", a.account_number)}
                    )
                    for a in out.bank_accounts
                ],
            }
        )
    reads = [("customers", customer.id, "id_number")]
    if customer.phone is not None:
        reads.append(("customers", customer.id, "phone"))
    reads += [("bank_accounts", a.id, "account_number") for a in out.bank_accounts]
    audit.record_sensitive_reads(
        session, actor_id=actor.user_id, role=actor.role, reads=reads, purpose=purpose, now=now
    )
    return out
