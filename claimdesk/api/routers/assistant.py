"""Smart assistant: conversations (signed in or anonymous) and the knowledge base."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from claimdesk.api.deps import (
    ActorDep,
    ContainerDep,
    NowDep,
    SessionDep,
    SettingsDep,
    bearer_token,
    get_actor,
)
from claimdesk.assistant import service
from claimdesk.assistant.embedding import Embedder, default_embedder
from claimdesk.assistant.enums import EntryStatus
from claimdesk.assistant.schemas import EntryIn, EntryOut, EntryUpdateIn, MessageIn, ReplyOut
from claimdesk.security.service import Actor

router = APIRouter(tags=["assistant"])


async def optional_actor(
    request: Request,
    token: Annotated[str | None, Depends(bearer_token)],
    container: ContainerDep,
) -> Actor | None:
    """The signed-in user, or None for an anonymous visitor (a bad token is still refused)."""
    return await get_actor(request, token, container) if token else None


def get_embedder() -> Embedder:
    return default_embedder()


OptionalActorDep = Annotated[Actor | None, Depends(optional_actor)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]


@router.post("/assistant/messages", response_model=ReplyOut)
def post_message(
    data: MessageIn,
    session: SessionDep,
    actor: OptionalActorDep,
    now: NowDep,
    settings: SettingsDep,
    embedder: EmbedderDep,
) -> ReplyOut:
    """Ask the assistant. Leave out session_id to start a conversation; send the returned
    session_id to continue it (only the user who started it can)."""
    reply = service.handle_message(
        session, actor=actor, data=data, now=now, settings=settings, embedder=embedder
    )
    session.commit()
    return reply


@router.get("/assistant/kb", response_model=list[EntryOut])
def list_entries(
    session: SessionDep,
    actor: OptionalActorDep,
    locale: str | None = None,
    category: str | None = None,
    status: EntryStatus | None = None,
) -> list[EntryOut]:
    entries = service.list_entries(
        session, actor=actor, locale=locale, category=category, status=status
    )
    return [EntryOut.model_validate(e) for e in entries]


@router.get("/assistant/kb/{entry_id}", response_model=EntryOut)
def get_entry(entry_id: int, session: SessionDep, actor: OptionalActorDep) -> EntryOut:
    return EntryOut.model_validate(service.get_entry(session, actor=actor, entry_id=entry_id))


@router.post("/assistant/kb", response_model=EntryOut, status_code=201)
def create_entry(data: EntryIn, session: SessionDep, actor: ActorDep, now: NowDep) -> EntryOut:
    entry = service.create_entry(session, actor=actor, data=data, now=now)
    session.commit()
    return EntryOut.model_validate(entry)


@router.patch("/assistant/kb/{entry_id}", response_model=EntryOut)
def update_entry(
    entry_id: int, data: EntryUpdateIn, session: SessionDep, actor: ActorDep, now: NowDep
) -> EntryOut:
    entry = service.update_entry(session, actor=actor, entry_id=entry_id, data=data, now=now)
    session.commit()
    return EntryOut.model_validate(entry)


def _set_status(
    session: Session, actor: Actor, entry_id: int, status: EntryStatus, now: datetime
) -> EntryOut:
    entry = service.set_entry_status(
        session, actor=actor, entry_id=entry_id, status=status, now=now
    )
    session.commit()
    return EntryOut.model_validate(entry)


@router.post("/assistant/kb/{entry_id}/publish", response_model=EntryOut)
def publish_entry(entry_id: int, session: SessionDep, actor: ActorDep, now: NowDep) -> EntryOut:
    """The assistant answers from a published entry at once."""
    return _set_status(session, actor, entry_id, EntryStatus.PUBLISHED, now)


@router.post("/assistant/kb/{entry_id}/unpublish", response_model=EntryOut)
def unpublish_entry(entry_id: int, session: SessionDep, actor: ActorDep, now: NowDep) -> EntryOut:
    """Back to draft: hidden from customers and from the assistant."""
    return _set_status(session, actor, entry_id, EntryStatus.DRAFT, now)
