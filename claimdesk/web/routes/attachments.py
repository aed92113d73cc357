"""Files that came with a ticket by e-mail, opened from the ticket pages (whoever may see the
ticket may open them)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response

from claimdesk.api.deps import BlobsDep, SessionDep, SettingsDep
from claimdesk.support import service as support
from claimdesk.web.rendering import web_router
from claimdesk.web.sessions import CurrentUser, actor_of

router = web_router()


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}")
def ticket_attachment(
    request: Request,
    ticket_id: int,
    attachment_id: int,
    user: CurrentUser,
    session: SessionDep,
    blobs: BlobsDep,
    settings: SettingsDep,
) -> Response:
    attachment, data = support.attachment_content(
        session,
        actor=actor_of(user),
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
