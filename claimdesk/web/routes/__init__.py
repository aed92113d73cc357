"""All web pages, one router per area."""

from fastapi import APIRouter

from claimdesk.web.routes import (
    assistant,
    attachments,
    auth,
    dashboards,
    portal,
    staff,
    survey,
)

router = APIRouter()
for module in (auth, portal, staff, dashboards, assistant, survey, attachments):
    router.include_router(module.router)
