"""The baseline of the HTTP benchmarks: a bare Starlette app answering JSON the size of a
claim's status, with no database, no authentication and no validation."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

STATUS = {
    "id": 1,
    "number": "CLM202606150000001",
    "status": "under_review",
    "claim_type": "outpatient",
    "claimed_amount": "800.00",
    "currency": "CNY",
    "reported_at": "2026-06-15T02:00:00Z",
}


async def claim_status(request: Request) -> JSONResponse:
    return JSONResponse({**STATUS, "id": int(request.path_params["claim_id"])})


async def accept(request: Request) -> JSONResponse:
    body = await request.json()
    return JSONResponse({**STATUS, **body, "id": 1}, status_code=201)


app = Starlette(
    routes=[
        Route("/claims/{claim_id:int}", claim_status),
        Route("/claims", accept, methods=["POST"]),
    ]
)
