"""What the rules need from uploaded documents, behind one small interface.

:class:`DocumentEvidence` is the seam between fraud scoring and the documents domain:
shared invoice numbers or file hashes across claims, and document fields that disagree
with the claim. :class:`StoredDocuments` answers from the documents tables; a test or
another document store can pass its own implementation.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims.models import Claim
from claimdesk.documents.evidence import completeness_of
from claimdesk.documents.models import Document
from claimdesk.fraud.rules import DocumentConflict, SharedDocument


class DocumentEvidence(Protocol):
    def shared_documents(self, session: Session, claim: Claim) -> list[SharedDocument]: ...

    def conflicts(
        self, session: Session, claim: Claim, amount_tolerance: Decimal
    ) -> list[DocumentConflict]: ...


class StoredDocuments:
    def shared_documents(self, session: Session, claim: Claim) -> list[SharedDocument]:
        mine = list(session.scalars(select(Document).where(Document.claim_id == claim.id)))
        if not mine:
            return []
        hashes = {d.sha256 for d in mine}
        invoices = {n for d in mine if (n := (d.fields or {}).get("invoice_number"))}
        others = select(Document, Claim).join(Claim, Claim.id == Document.claim_id)
        others = others.where(Document.claim_id != claim.id)
        found = []
        for document, other in session.execute(others.where(Document.sha256.in_(hashes))):
            found.append(
                SharedDocument(
                    "file (sha256)", document.sha256[:12], other.number or "", other.customer_id
                )
            )
        if invoices:
            number = Document.fields["invoice_number"].as_string()
            for document, other in session.execute(others.where(number.in_(invoices))):
                found.append(
                    SharedDocument(
                        "invoice number",
                        document.fields["invoice_number"],
                        other.number or "",
                        other.customer_id,
                    )
                )
        return found

    def conflicts(
        self, session: Session, claim: Claim, amount_tolerance: Decimal
    ) -> list[DocumentConflict]:
        result = completeness_of(session, claim)
        found = [DocumentConflict(m.message_en, m.message_zh) for m in result.mismatched]
        invoiced, claimed = result.invoiced_total, claim.claimed_amount
        if invoiced > 0 and abs(invoiced - claimed) > claimed * amount_tolerance:
            found.append(
                DocumentConflict(
                    f"the invoices add up to {invoiced:,.2f}, the claim asks {claimed:,.2f}.",
                    f"发票合计{invoiced:,.2f}，索赔金额为{claimed:,.2f}。",
                )
            )
        return found
