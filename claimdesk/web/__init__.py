"""Server-rendered web pages (Jinja2 + htmx): the customer portal and the staff workbench."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from claimdesk.config import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add the cookie session, the vendored static files and the pages to the app."""
    from claimdesk.web.rendering import install_error_pages
    from claimdesk.web.routes import router
    from claimdesk.web.sessions import add_session_middleware

    add_session_middleware(app, settings)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(router)
    install_error_pages(app)
