"""Chat with the assistant (claimdesk/assistant): one conversation per browser session."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import ValidationError

from claimdesk.api.deps import NowDep, SessionDep, SettingsDep
from claimdesk.api.routers.assistant import get_embedder
from claimdesk.assistant import service as assistant
from claimdesk.assistant.embedding import Embedder
from claimdesk.assistant.schemas import MessageIn
from claimdesk.core.errors import ClaimDeskError
from claimdesk.web import chat, forms
from claimdesk.web.rendering import Form, field, render, translator, web_router
from claimdesk.web.sessions import OptionalUser, actor_of

router = web_router()
CONVERSATION = "assistant_session"
# The answers as paragraphs and lists, with what a customer can say by a click.
CHAT = {"chat_blocks": chat.blocks, "chat_suggestions": chat.suggestions}


@router.get("/assistant")
def chat_page(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    """The conversation so far (kept across reloads for this browser session)."""
    turns = assistant.conversation_history(
        session,
        actor=actor_of(user) if user else None,
        session_id=request.session.get(CONVERSATION),
    )
    return render(request, "portal/assistant.html", {"turns": turns, "text": "", **CHAT})


@router.post("/assistant")
def ask(
    request: Request,
    user: OptionalUser,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    embedder: Annotated[Embedder, Depends(get_embedder)],
) -> Response:
    text = field(form, "text")
    fragment = bool(request.headers.get("HX-Request"))
    try:
        reply = assistant.handle_message(
            session,
            actor=actor_of(user) if user else None,
            data=MessageIn(text=text, session_id=request.session.get(CONVERSATION)),
            now=now,
            settings=settings,
            embedder=embedder,
        )
        session.commit()
    except (ValidationError, ClaimDeskError) as exc:
        session.rollback()
        context = {
            "turns": [],
            "text": text,
            **CHAT,
            **forms.form_errors(exc, translator(request)),
        }
        if fragment:
            return render(request, "fragments/chat_turn.html", context)
        return render(request, "portal/assistant.html", context, status_code=422)
    request.session[CONVERSATION] = reply.session_id
    if fragment:
        return render(request, "fragments/chat_turn.html", {"turns": [(text, reply)], **CHAT})
    turns = assistant.conversation_history(
        session, actor=actor_of(user) if user else None, session_id=reply.session_id
    )
    return render(request, "portal/assistant.html", {"turns": turns, "text": "", **CHAT})
