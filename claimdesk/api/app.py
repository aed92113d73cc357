"""The FastAPI application: REST API under /api/v1 plus health probes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from claimdesk import __version__, web
from claimdesk.api import access, errors
from claimdesk.api.access import API_PREFIX
from claimdesk.api.admission import WriteAdmission
from claimdesk.api.deps import enforce_access
from claimdesk.api.ratelimit import RateLimiter
from claimdesk.api.routers import (
    analytics,
    assistant,
    audit,
    auth,
    catastrophe,
    claims,
    compliance,
    customers,
    documents,
    fraud,
    health,
    interop,
    messaging,
    policies,
    referrals,
    support,
    webhooks,
)
from claimdesk.assistant import service as assistant_service
from claimdesk.assistant.embedding import one_blas_thread
from claimdesk.bootstrap import Container, build
from claimdesk.core.logs import limit_library_logs

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start-up, numpy's BLAS is kept to one thread (embedding.one_blas_thread) and
    the assistant's index (from its file when current) and model are loaded, so the
    first question after a restart does not wait for them. At shutdown the event loop's
    read connection is closed."""
    container: Container = app.state.container
    one_blas_thread()
    if container.settings.assistant_warm_up:
        embedder = app.dependency_overrides.get(assistant.get_embedder, assistant.get_embedder)()
        try:
            await run_in_threadpool(
                assistant_service.warm_up,
                container.sessions,
                embedder,
                container.settings.data_dir,
            )
        except Exception:  # the first question loads them instead
            log.exception("The assistant's warm-up failed.")
    try:
        yield
    finally:
        container.loop_reads.close()


def create_app(container: Container | None = None) -> FastAPI:
    limit_library_logs()
    app = FastAPI(
        title="ClaimDesk",
        version=__version__,
        description="Insurance claims and customer-service platform.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.container = container or build()
    errors.install(app)
    api = APIRouter(
        prefix=API_PREFIX,
        dependencies=[Depends(enforce_access)],
        responses=errors.ERROR_RESPONSES,
    )
    for module in (
        auth,
        customers,
        policies,
        claims,
        referrals,
        audit,
        documents,
        support,
        fraud,
        analytics,
        compliance,
        interop,
        assistant,
        catastrophe,
        messaging,
        webhooks,
    ):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)
    web.install(app, app.state.container.settings)  # the portal at /, the workbench at /staff

    app.state.access_rules = access.check_routes(app.routes, enforce_access)
    settings = app.state.container.settings
    app.state.rate_limiter = RateLimiter(settings)
    app.add_middleware(
        WriteAdmission,
        slots=settings.max_concurrent_writes,
        wait_seconds=settings.write_wait_seconds,
    )
    return app
