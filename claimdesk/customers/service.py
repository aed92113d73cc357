from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.audit import service as audit
from claimdesk.core.errors import NotFound
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.customers.schemas import BankAccountIn, CustomerIn, CustomerOut
from claimdesk.security.crypto import search_hash
from claimdesk.security.masking import mask_field
from claimdesk.security.permissions import allowed, require
from claimdesk.security.service import Actor


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


def add_bank_account(
    session: Session, *, customer: Customer, data: BankAccountIn, now: datetime
) -> BankAccount:
    """Add a payee account; it counts as verified when the holder is the customer."""
    names = [customer.name] + ([customer.name_en] if customer.name_en else [])
    verified = any(_same_name(data.holder_name, name) for name in names)
    account = BankAccount(
        customer=customer,
        bank_name=data.bank_name,
        account_number=data.account_number.replace(" ", ""),
        holder_name=data.holder_name,
        verified_at=now if verified else None,
        created_at=now,
    )
    session.add(account)
    return account


def create_customer(session: Session, *, data: CustomerIn, now: datetime) -> Customer:
    customer = Customer(**data.model_dump(exclude={"bank_accounts"}, mode="python"), created_at=now)
    session.add(customer)
    for account in data.bank_accounts:
        add_bank_account(session, customer=customer, data=account, now=now)
    session.flush()
    return customer


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
    return list(session.scalars(select(Customer).where(Customer.id_number_hash == wanted)))


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
