from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from claimdesk.core.errors import NotFound
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.customers.schemas import BankAccountIn, CustomerIn
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
