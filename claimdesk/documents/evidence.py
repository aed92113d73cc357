"""What a claim's documents prove: the completeness of its checklist and a payee account
shown by its bank proof. Read by the claim's decisions (claims.service) and the documents
service alike, so it depends on neither."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims import rules as claim_rules
from claimdesk.claims.models import Claim
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.customers.service import verify_by_bank_proof
from claimdesk.documents import rules
from claimdesk.documents.checklists import required_documents
from claimdesk.documents.enums import DocumentStatus
from claimdesk.documents.models import Document

BANK_PROOF_KIND = "bank_account_proof"


def documents_of(session: Session, claim_id: int) -> list[Document]:
    return list(
        session.scalars(select(Document).where(Document.claim_id == claim_id).order_by(Document.id))
    )


def completeness_of(session: Session, claim: Claim) -> rules.Completeness:
    policy = claim.policy
    people = {claim.customer_id, policy.holder_id, *(p.customer_id for p in policy.insured)}
    names = [
        name
        for customer in session.scalars(select(Customer).where(Customer.id.in_(people)))
        for name in (customer.name, customer.name_en)
        if name
    ]
    facts = rules.ClaimFacts(
        required=tuple(
            d.kind for d in required_documents(claim.policy.product.line, claim.claim_type)
        ),
        person_names=tuple(names),
        period_start=policy.start_date,
        period_end=policy.end_date,
        incident_date=claim.incident_date,
        plate_number=_plate_number(policy.insured_object),
    )
    documents = [_facts(d) for d in documents_of(session, claim.id)]
    return rules.assess_completeness(facts, documents, rules.reading_rules())


def _facts(document: Document) -> rules.DocumentFacts:
    return rules.DocumentFacts(
        id=document.id,
        filename=document.filename,
        status=DocumentStatus(document.status),
        declared_kind=document.declared_kind,
        detected_kind=document.detected_kind,
        fields=dict(document.fields or {}),
        error=document.error,
        confidence=dict(document.field_confidence or {}),
    )


def verify_payee_by_proof(
    session: Session, *, claim: Claim, account: BankAccount, now: datetime
) -> bool:
    """Verify an unverified payee account by the claim's read bank-proof document showing
    its number and holder; whether the account is verified now."""
    if account.verified:
        return True
    for document in documents_of(session, claim.id):
        fields = document.fields or {}
        if (
            document.status == DocumentStatus.READ
            and document.kind == BANK_PROOF_KIND
            and claim_rules.check_bank_proof(
                proof_number=fields.get("account_number"),
                proof_holder=fields.get("account_holder"),
                account_number=account.account_number,
                holder_names=_holder_names(account),
            )
        ):
            verify_by_bank_proof(session, account=account, document_id=document.id, now=now)
            return True
    return False


def _holder_names(account: BankAccount) -> list[str]:
    """The account holder's name, and the customer's other name when the customer holds it."""
    customer = account.customer
    own = [name for name in (customer.name, customer.name_en) if name]
    return own if account.holder_name in own else [account.holder_name]


def _plate_number(insured_object: dict[str, str | int | bool] | None) -> str | None:
    plate = (insured_object or {}).get("plate_number")
    return None if plate is None else str(plate)
