"""Customer communications: message templates (staff edit and preview them), customers'
contact preferences, and files that came with tickets by e-mail."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Response

from claimdesk.api.deps import ActorDep, BlobsDep, NowDep, SessionDep, SettingsDep
from claimdesk.messaging import service
from claimdesk.messaging.schemas import (
    PreferencesIn,
    PreferencesOut,
    PreviewIn,
    PreviewOut,
    TemplateIn,
    TemplateOut,
)
from claimdesk.support import service as support

router = APIRouter(tags=["messaging"])

Event = Annotated[str, Path(max_length=32, description="e.g. claim_reported, documents_requested")]
Locale = Annotated[str, Path(max_length=8, description="zh-CN or en")]


@router.get("/message-templates", response_model=list[TemplateOut])
def list_templates(session: SessionDep, actor: ActorDep) -> list[TemplateOut]:
    """Every event's template in each language: the stored version or the shipped default."""
    return service.list_templates(session, actor=actor)


@router.get("/message-templates/{event}/{locale}", response_model=TemplateOut)
def get_template(event: Event, locale: Locale, session: SessionDep, actor: ActorDep) -> TemplateOut:
    return service.get_template(session, actor=actor, event=event, locale=locale)


@router.put("/message-templates/{event}/{locale}", response_model=TemplateOut)
def save_template(
    event: Event,
    locale: Locale,
    data: TemplateIn,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
) -> TemplateOut:
    """Store an edited template (Jinja2 with the blocks subject, text, html, sms); it must
    render the event's example values, or the answer is 422 saying why."""
    out = service.save_template(
        session, actor=actor, event=event, locale=locale, data=data, now=now
    )
    session.commit()
    return out


@router.delete("/message-templates/{event}/{locale}", response_model=TemplateOut)
def reset_template(
    event: Event, locale: Locale, session: SessionDep, actor: ActorDep
) -> TemplateOut:
    """Back to the shipped default."""
    out = service.reset_template(session, actor=actor, event=event, locale=locale)
    session.commit()
    return out


@router.post("/message-templates/{event}/{locale}/preview", response_model=PreviewOut)
def preview_template(
    event: Event, locale: Locale, data: PreviewIn, session: SessionDep, actor: ActorDep
) -> PreviewOut:
    """The message as a customer would get it (a draft or the stored template; example
    values unless given): subject, text, HTML and SMS."""
    return service.preview(session, actor=actor, event=event, locale=locale, data=data)


@router.get("/customers/{customer_id}/contact-preferences", response_model=PreferencesOut)
def get_preferences(customer_id: int, session: SessionDep, actor: ActorDep) -> PreferencesOut:
    return service.get_preferences(session, actor=actor, customer_id=customer_id)


@router.put("/customers/{customer_id}/contact-preferences", response_model=PreferencesOut)
def set_preferences(
    customer_id: int, data: PreferencesIn, session: SessionDep, actor: ActorDep, now: NowDep
) -> PreferencesOut:
    """Channels, language, and whether optional messages come (statutory notices always do)."""
    out = service.set_preferences(session, actor=actor, customer_id=customer_id, data=data, now=now)
    session.commit()
    return out


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}/content")
def attachment_content(
    ticket_id: int,
    attachment_id: int,
    session: SessionDep,
    blobs: BlobsDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> Response:
    """A file that came with the ticket by e-mail, as received."""
    attachment, data = support.attachment_content(
        session,
        actor=actor,
        ticket_id=ticket_id,
        attachment_id=attachment_id,
        store=blobs,
    )
    return Response(
        content=data,
        media_type=attachment.mime or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )
