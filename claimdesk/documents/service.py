"""Document commands and queries: upload, read, and the claim's completeness."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.claims import service as claims
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.machine import TRANSITIONS
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import TransitionIn
from claimdesk.config import Settings
from claimdesk.core import messages
from claimdesk.core.clock import Clock
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import Conflict, NotFound, ValidationFailed
from claimdesk.core.events import publish
from claimdesk.customers.models import BankAccount
from claimdesk.documents import rules
from claimdesk.documents.checklists import document_kinds, template
from claimdesk.documents.enums import DocumentStatus, MediaType
from claimdesk.documents.events import DocumentRead, DocumentUploaded
from claimdesk.documents.evidence import completeness_of, documents_of, verify_payee_by_proof
from claimdesk.documents.inspection import inspect_upload
from claimdesk.documents.models import Document
from claimdesk.documents.reading import OcrEngine, TextReading, read_text
from claimdesk.documents.schemas import (
    CompletenessOut,
    DocumentDetailOut,
    DocumentOut,
    DocumentRefOut,
    KindOut,
    LossLineOffer,
    MismatchOut,
    MissingOut,
    PresentOut,
)
from claimdesk.documents.storage import BlobStore, digest
from claimdesk.jobs.queue import enqueue_after_commit
from claimdesk.security.permissions import require
from claimdesk.security.service import SYSTEM, Actor

log = logging.getLogger(__name__)

# A claim in these states takes no more documents.
_CLOSED_STATES = frozenset({ClaimStatus.CLOSED, ClaimStatus.ARCHIVED, ClaimStatus.WITHDRAWN})
MAX_FILENAME = 256


# ---------------------------------------------------------------- upload


def upload_document(
    session: Session,
    *,
    actor: Actor,
    claim_id: int,
    data: bytes,
    filename: str,
    declared_kind: str | None,
    now: datetime,
    settings: Settings,
    store: BlobStore,
) -> tuple[Document, bool]:
    """Check, store and record a file; reading it is queued. Returns (document, duplicate).

    The same file uploaded again to the same claim returns the first document; the same
    file on another claim gets its own document but shares the stored bytes.
    """
    require(actor, "documents.upload")
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    if claim.status in _CLOSED_STATES:
        raise Conflict(f"Claim {claim.number} is {claim.status}; it takes no more documents.")
    if declared_kind is not None and declared_kind not in document_kinds():
        raise ValidationFailed(
            f"'{declared_kind}' is not a document kind; kinds: {', '.join(document_kinds())}.",
            details=[{"field": "kind"}],
        )
    inspected = inspect_upload(data, max_bytes=settings.upload_max_bytes)
    sha256 = digest(data)
    existing = _document_with_hash(session, claim.id, sha256)
    if existing is not None:
        return existing, True
    store.put(data)
    document = Document(
        claim_id=claim.id,
        sha256=sha256,
        size=len(data),
        mime=inspected.mime,
        filename=(filename or "upload").rsplit("/", 1)[-1][:MAX_FILENAME],
        pages=inspected.pages,
        declared_kind=declared_kind,
        status=DocumentStatus.RECEIVED,
        fields={},
        ocr_pages=0,
        uploaded_by_id=actor.user_id,
        uploaded_at=now,
    )
    session.add(document)
    try:
        session.flush()
    except IntegrityError as exc:  # the same file, uploaded twice at the same moment
        raise Conflict("This file is being uploaded already; reload the claim.") from exc
    claim.record(
        actor,
        now,
        kind="document_uploaded",
        to_status=None,
        data={
            "document_id": document.id,
            "sha256": sha256,
            "size": document.size,
            "mime": document.mime,
            "filename": document.filename,
            "kind": declared_kind,
        },
    )
    publish(
        session,
        DocumentUploaded(
            document_id=document.id,
            claim_id=claim.id,
            customer_id=claim.customer_id,
            actor=actor,
            at=now,
        ),
    )
    enqueue_after_commit(session, process_document, document.id)
    return document, False


def _document_with_hash(session: Session, claim_id: int, sha256: str) -> Document | None:
    return session.scalars(
        select(Document).where(Document.claim_id == claim_id, Document.sha256 == sha256)
    ).one_or_none()


# ---------------------------------------------------------------- queries


def list_documents(
    session: Session, *, actor: Actor, claim_id: int
) -> tuple[Claim, list[Document]]:
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    return claim, documents_of(session, claim.id)


def get_document(
    session: Session, *, actor: Actor, claim_id: int, document_id: int
) -> tuple[Claim, Document]:
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    document = session.get(Document, document_id)
    if document is None or document.claim_id != claim.id:
        raise NotFound(f"Document {document_id} does not exist on claim {claim.number}.")
    return claim, document


def document_content(
    session: Session, *, actor: Actor, claim_id: int, document_id: int, store: BlobStore
) -> tuple[Document, bytes]:
    _claim, document = get_document(
        session, actor=actor, claim_id=claim_id, document_id=document_id
    )
    return document, store.get(document.sha256)


# ---------------------------------------------------------------- reading (background)


def process_document(
    sessions: sessionmaker[Session],
    *,
    document_id: int,
    store: BlobStore,
    ocr: OcrEngine,
    clock: Clock,
    settings: Settings,
) -> None:
    """Read a document if it is not read yet, then act on the claim's completeness.

    Idempotent: a document already read is not read again. Any failure while reading
    marks the document unreadable (with the reason) rather than losing it. The slow
    part runs outside any transaction.
    """
    with unit_of_work(sessions) as session:
        document = session.get(Document, document_id)
        if document is None:
            return
        claim = claims.get_claim(session, actor=SYSTEM, claim_id=document.claim_id)
        claim_id, needs_reading = claim.id, document.status == DocumentStatus.RECEIVED
        sha256, mime, declared = document.sha256, MediaType(document.mime), document.declared_kind
        prefer = [d.kind for d in claims.documents_for(claim)]
    if needs_reading:
        reading, outcome = read_document(
            store.get(sha256), mime, declared_kind=declared, prefer=prefer, ocr=ocr
        )
        with unit_of_work(sessions) as session:
            save_reading(
                session, document_id=document_id, reading=reading, outcome=outcome, now=clock.now()
            )
    with unit_of_work(sessions) as session:
        review_completeness(session, claim_id=claim_id, now=clock.now(), settings=settings)


def read_document(
    data: bytes, mime: MediaType, *, declared_kind: str | None, prefer: list[str], ocr: OcrEngine
) -> tuple[TextReading | None, rules.Outcome]:
    """Read, classify and extract a document's bytes (slow: call it outside a transaction).
    Any failure makes the document unreadable, with the reason."""
    try:
        reading = read_text(data, mime, ocr=ocr)
        outcome = rules.understand(
            reading.text, rules.reading_rules(), declared_kind=declared_kind, prefer=prefer
        )
    except Exception as exc:
        log.exception("reading a %s document failed", mime)
        return None, rules.Outcome(
            DocumentStatus.UNREADABLE,
            None,
            {},
            f"This file could not be read ({type(exc).__name__}); upload it again, "
            "preferably as a PDF saved by the issuer or a clear photo.",
        )
    return reading, outcome


def save_reading(
    session: Session,
    *,
    document_id: int,
    reading: TextReading | None,
    outcome: rules.Outcome,
    now: datetime,
) -> None:
    document = session.scalars(
        select(Document).where(Document.id == document_id).with_for_update()
    ).one()
    if document.status != DocumentStatus.RECEIVED:
        return  # read meanwhile by another worker
    document.status = outcome.status
    document.detected_kind = outcome.detected_kind
    document.fields = outcome.fields
    document.field_confidence = outcome.confidence
    document.error = outcome.error
    document.read_at = now
    if reading is not None:
        document.text = reading.text
        document.pages = reading.pages
        document.ocr_pages = reading.ocr_pages
    publish(
        session,
        DocumentRead(
            document_id=document.id,
            claim_id=document.claim_id,
            status=document.status,
            kind=document.detected_kind or document.declared_kind,
            at=now,
        ),
    )


# ---------------------------------------------------------------- completeness


def review_completeness(
    session: Session, *, claim_id: int, now: datetime, settings: Settings
) -> rules.Completeness:
    """Once every document is read: ask for what is missing, or resume a complete claim.

    A claim missing documents gets one request listing all of them (``request_documents``
    by the system, from the states where that action is allowed); a claim waiting for
    documents that is now complete goes back to review (``submit_documents``), which
    starts the statutory decision clock.
    """
    claim = claims.get_claim(session, actor=SYSTEM, claim_id=claim_id, for_update=True)
    result = completeness_of(session, claim)
    if result.pending:
        return result
    if claim.bank_account_id is not None:
        account = session.get(BankAccount, claim.bank_account_id)
        if account is not None:
            verify_payee_by_proof(session, claim=claim, account=account, now=now)
    status = ClaimStatus(claim.status)
    command, message = None, None
    if result.missing and status in TRANSITIONS[ClaimAction.REQUEST_DOCUMENTS].sources:
        command = TransitionIn(action=ClaimAction.REQUEST_DOCUMENTS, documents=result.missing)
        message = rules.request_message(result)
    elif result.complete and status == ClaimStatus.AWAITING_DOCUMENTS:
        command = TransitionIn(action=ClaimAction.SUBMIT_DOCUMENTS)
        message = messages.message("history.documents_complete")
    if command is not None:
        claims.transition(
            session,
            actor=SYSTEM,
            claim_id=claim.id,
            command=command,
            now=now,
            settings=settings,
            message=message,
        )
    return result


def completeness(session: Session, *, actor: Actor, claim_id: int) -> CompletenessOut:
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    result = completeness_of(session, claim)

    def ref(doc: rules.DocumentFacts) -> DocumentRefOut:
        return DocumentRefOut(
            document_id=doc.id, filename=doc.filename, kind=doc.kind, reason=doc.error
        )

    def kind_out(kind: str) -> KindOut:
        t = template(kind)
        return KindOut(kind=kind, name_en=t.name_en, name_zh=t.name_zh)

    return CompletenessOut(
        claim_id=claim.id,
        claim_status=claim.status,
        complete=result.complete,
        required=[kind_out(kind) for kind in result.required],
        present=[
            PresentOut(**kind_out(kind).model_dump(), document_ids=ids)
            for kind, ids in result.present.items()
        ],
        missing=[MissingOut(**vars(template(kind))) for kind in result.missing],
        unreadable=[ref(d) for d in result.unreadable],
        unrecognised=[ref(d) for d in result.unrecognised],
        pending=[ref(d) for d in result.pending],
        mismatched=[MismatchOut(**vars(m)) for m in result.mismatched],
        needs_look=[MismatchOut(**vars(m)) for m in result.needs_look],
        invoiced_total=result.invoiced_total,
        claimed_amount=claim.claimed_amount,
    )


# ---------------------------------------------------------------- views


def document_view(document: Document, claim: Claim, *, detail: bool = False) -> DocumentOut:
    out_type = DocumentDetailOut if detail else DocumentOut
    out = out_type.model_validate(document)
    rule = rules.reading_rules().kind(document.kind)
    amount = rules.parse_amount((document.fields or {}).get("amount"))
    if document.kind and rule and rule.loss_line and amount is not None and amount > 0:
        t = template(document.kind)
        number = document.fields.get("invoice_number") or document.filename
        out.loss_line_offer = LossLineOffer(
            coverage_code=claim.claim_type,
            description=f"{t.name_zh} / {t.name_en} {number}"[:256],
            amount=amount,
        )
    return out
