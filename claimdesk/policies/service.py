from __future__ import annotations

import tomllib
from datetime import date, datetime
from decimal import Decimal
from importlib import resources

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from claimdesk.claims.models import Claim, Payment
from claimdesk.claims.service import committed_on_policy
from claimdesk.core.db import temporary_number
from claimdesk.core.errors import NotFound, ValidationFailed
from claimdesk.customers.models import Customer
from claimdesk.policies import attribute_schema
from claimdesk.policies.models import Coverage, InsuredPerson, Policy, Product
from claimdesk.policies.schemas import InsuredIn, PartyOut, PolicyIn, PolicyOut, ProductOut
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor


def ensure_catalogue(session: Session) -> list[Product]:
    """Insert the standard products that are missing; existing ones are left as they are."""
    text = resources.files("claimdesk.policies").joinpath("catalogue.toml").read_text("utf-8")
    existing = set(session.scalars(select(Product.code)))
    added = []
    for spec in tomllib.loads(text)["products"]:
        if spec["code"] in existing:
            continue
        coverages = [
            Coverage(
                **{k: v for k, v in cov.items() if k not in _MONEY_TERMS},
                **{k: Decimal(cov[k]) for k in _MONEY_TERMS if k in cov},
            )
            for cov in spec.pop("coverages")
        ]
        product = Product(**spec, coverages=coverages)
        session.add(product)
        added.append(product)
    session.flush()
    return added


_MONEY_TERMS = ("deductible", "copay_ratio", "per_item_limit", "annual_limit")


def list_products(session: Session) -> list[Product]:
    return list(session.scalars(select(Product).order_by(Product.id)))


def paid_on_policy(
    session: Session, policy_id: int, *, exclude_claim_id: int | None = None
) -> Decimal:
    query = (
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Claim, Claim.id == Payment.claim_id)
        .where(Claim.policy_id == policy_id)
    )
    if exclude_claim_id is not None:
        query = query.where(Claim.id != exclude_claim_id)
    return Decimal(session.scalar(query) or 0).quantize(Decimal("0.01"))


def policy_status(policy: Policy, today: date) -> str:
    if policy.status != "active":
        return policy.status
    if today < policy.start_date:
        return "not_yet_in_force"
    if today > policy.end_date:
        return "expired"
    return "in_force"


def _load(session: Session, policy_id: int) -> Policy | None:
    return session.scalars(
        select(Policy)
        .where(Policy.id == policy_id)
        .options(
            selectinload(Policy.product).selectinload(Product.coverages),
            selectinload(Policy.insured).selectinload(InsuredPerson.customer),
            selectinload(Policy.holder),
        )
    ).one_or_none()


def get_policy(session: Session, *, actor: Actor, policy_id: int) -> Policy:
    policy = _load(session, policy_id)
    if policy is None or (actor.is_customer and not policy.covers_person(actor.customer_id or 0)):
        raise NotFound(f"Policy {policy_id} does not exist.")
    return policy


def list_policies(
    session: Session,
    *,
    actor: Actor,
    customer_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Policy]:
    query = select(Policy).options(
        selectinload(Policy.product).selectinload(Product.coverages),
        selectinload(Policy.insured).selectinload(InsuredPerson.customer),
        selectinload(Policy.holder),
    )
    person = actor.customer_id if actor.is_customer else customer_id
    if person is not None:
        insured_in = select(InsuredPerson.policy_id).where(InsuredPerson.customer_id == person)
        query = query.where(or_(Policy.holder_id == person, Policy.id.in_(insured_in)))
    return list(session.scalars(query.order_by(Policy.id).limit(limit).offset(offset)))


def create_policy(
    session: Session, *, data: PolicyIn, now: datetime, actor: Actor | None = None
) -> Policy:
    """A new policy. ``actor``: the member of staff who issues it (their permission is
    checked); None for the system's own imports and demo data."""
    if actor is not None:
        require(actor, "policies.create")
    product = session.scalars(
        select(Product).where(Product.code == data.product_code)
    ).one_or_none()
    if product is None:
        codes = ", ".join(session.scalars(select(Product.code)))
        raise ValidationFailed(f"Unknown product '{data.product_code}'; known products: {codes}.")
    if session.get(Customer, data.holder_id) is None:
        raise ValidationFailed(f"Policy holder {data.holder_id} is not a known customer.")
    persons = []
    for person in data.insured or [InsuredIn(customer_id=data.holder_id)]:
        if session.get(Customer, person.customer_id) is None:
            raise ValidationFailed(f"Insured person {person.customer_id} is not a known customer.")
        persons.append(InsuredPerson(**person.model_dump()))
    insured_object = attribute_schema.validate_attributes(
        attribute_schema.schema_for(product.code),
        "insured_object",
        dict(data.insured_object),
        field="insured_object",
    )
    policy = Policy(
        number=temporary_number(),
        product=product,
        holder_id=data.holder_id,
        start_date=data.start_date,
        end_date=data.end_date,
        sum_insured=data.sum_insured,
        premium=data.premium,
        currency=data.currency,
        insured_object=insured_object,
        insured=persons,
        created_at=now,
    )
    session.add(policy)
    session.flush()
    policy.number = f"P{data.start_date:%Y}{product.line[:2].upper()}{policy.id:07d}"
    session.flush()
    return _load(session, policy.id)  # type: ignore[return-value]


def policy_view(session: Session, policy: Policy, today: date) -> PolicyOut:
    committed = committed_on_policy(session, policy_id=policy.id)
    return PolicyOut(
        id=policy.id,
        number=policy.number,
        product=ProductOut.model_validate(policy.product),
        holder=PartyOut(customer_id=policy.holder_id, name=policy.holder.name),
        insured=[
            PartyOut(
                customer_id=p.customer_id,
                name=p.customer.name,
                relationship_to_holder=p.relationship_to_holder,
            )
            for p in policy.insured
        ],
        start_date=policy.start_date,
        end_date=policy.end_date,
        status=policy_status(policy, today),
        currency=policy.currency,
        sum_insured=policy.sum_insured,
        premium=policy.premium,
        paid_to_date=paid_on_policy(session, policy.id),
        approved_to_date=committed,
        remaining_sum_insured=max(policy.sum_insured - committed, Decimal("0")),
        insured_object=policy.insured_object,
    )
