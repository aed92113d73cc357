"""The FastAPI application: REST API under /api/v1 plus health probes."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse

from claimdesk import __version__
from claimdesk.api import errors
from claimdesk.api.routers import (
    audit,
    auth,
    claims,
    customers,
    documents,
    health,
    policies,
    risk,
    support,
)
from claimdesk.bootstrap import Container, build, install

API_PREFIX = "/api/v1"


def create_app(container: Container | None = None) -> FastAPI:
    app = FastAPI(
        title="ClaimDesk",
        version=__version__,
        description="Insurance claims and customer-service platform.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.container = install(container or build())
    errors.install(app)
    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, customers, policies, claims, audit, documents, support, risk):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        # The customer portal arrives with the web UI; until then the API explorer is home.
        return RedirectResponse(f"{API_PREFIX}/docs")

    return app
