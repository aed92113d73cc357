from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Response, UploadFile
from sqlalchemy.orm import Session

from claimdesk.api.deps import ActorDep, BlobsDep, NowDep, PurposeDep, SessionDep, SettingsDep
from claimdesk.audit import service as audit
from claimdesk.documents import service
from claimdesk.documents.schemas import CompletenessOut, DocumentDetailOut, DocumentOut
from claimdesk.security.service import Actor

router = APIRouter(prefix="/claims", tags=["documents"])


@router.post(
    "/{claim_id}/documents",
    response_model=DocumentOut,
    status_code=201,
    responses={
        200: {"description": "The same file was already on the claim; that document."},
        413: {"description": "Larger than the upload limit."},
        415: {"description": "Not a PDF, JPEG or PNG file."},
        422: {"description": "Empty, damaged, encrypted, truncated or absurdly large inside."},
    },
)
def upload_document(
    claim_id: int,
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG; type read from the bytes.")],
    response: Response,
    session: SessionDep,
    blobs: BlobsDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    kind: Annotated[str | None, Form(description="Document kind, e.g. itemised_invoice.")] = None,
) -> DocumentOut:
    """Upload a document; it is read (text, OCR) and classified in the background."""
    # One byte past the limit is enough for the size check to refuse the file.
    data = file.file.read(settings.upload_max_bytes + 1)
    document, duplicate = service.upload_document(
        session,
        actor=actor,
        claim_id=claim_id,
        data=data,
        filename=file.filename or "upload",
        declared_kind=kind or None,
        now=now,
        settings=settings,
        store=blobs,
    )
    session.commit()
    if duplicate:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    else:
        session.refresh(document)  # reading may already have finished (inline queue)
    claim, document = service.get_document(
        session, actor=actor, claim_id=claim_id, document_id=document.id
    )
    return service.document_view(document, claim)


@router.get("/{claim_id}/documents", response_model=list[DocumentOut])
def list_documents(claim_id: int, session: SessionDep, actor: ActorDep) -> list[DocumentOut]:
    claim, documents = service.list_documents(session, actor=actor, claim_id=claim_id)
    return [service.document_view(d, claim) for d in documents]


@router.get("/{claim_id}/documents/{document_id}", response_model=DocumentDetailOut)
def get_document(
    claim_id: int,
    document_id: int,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    purpose: PurposeDep,
) -> DocumentOut:
    """The document with the text read from it (sensitive: each read is in the access log)."""
    claim, document = service.get_document(
        session, actor=actor, claim_id=claim_id, document_id=document_id
    )
    view = service.document_view(document, claim, detail=True)
    _log_read(session, actor, document.id, purpose, now)
    return view


def _log_read(
    session: Session, actor: Actor, document_id: int, purpose: str, now: datetime
) -> None:
    """Medical documents are sensitive personal information: log who read one in clear."""
    audit.record_sensitive_reads(
        session,
        actor_id=actor.user_id,
        role=actor.role,
        reads=[("documents", document_id, "text")],
        purpose=purpose,
        now=now,
    )
    session.commit()


@router.get(
    "/{claim_id}/documents/{document_id}/content",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
def download_document(
    claim_id: int,
    document_id: int,
    session: SessionDep,
    blobs: BlobsDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    purpose: PurposeDep,
) -> Response:
    """The file as uploaded (its sha256 is checked on the way out; the read is logged)."""
    document, data = service.document_content(
        session,
        actor=actor,
        claim_id=claim_id,
        document_id=document_id,
        store=blobs,
    )
    response = Response(
        content=data,
        media_type=document.mime,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{document.sha256}"',
        },
    )
    _log_read(session, actor, document.id, purpose, now)
    return response


@router.get("/{claim_id}/completeness", response_model=CompletenessOut)
def get_completeness(claim_id: int, session: SessionDep, actor: ActorDep) -> CompletenessOut:
    """Required documents present, missing, unreadable, still being read, and mismatches."""
    return service.completeness(session, actor=actor, claim_id=claim_id)
