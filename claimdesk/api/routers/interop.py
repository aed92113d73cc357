"""HL7 FHIR (R4/R4B and R5) endpoints: submit a Claim, read its ClaimResponse and, once
paid, its ExplanationOfBenefit. Bodies are ``application/fhir+json``; the version comes
from the media type's ``fhirVersion`` parameter (4.0, 4.3 or 5.0; default 5.0). Problems
are answered with an OperationOutcome (400 for structure, 422 for business rules)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from claimdesk.api.deps import ActorDep, NowDep, SessionDep, SettingsDep
from claimdesk.api.errors import status_for
from claimdesk.core.errors import ClaimDeskError
from claimdesk.interop import service
from claimdesk.interop.rules import (
    MEDIA_TYPE,
    FhirInvalid,
    FhirVersion,
    Issue,
    operation_outcome,
    version_from_media_type,
)

router = APIRouter(prefix="/fhir", tags=["fhir"])

ISSUE_CODES = {404: "not-found", 403: "forbidden", 409: "conflict", 401: "login"}
_RESOURCE_EXAMPLE = {"content": {MEDIA_TYPE: {"schema": {"type": "object"}}}}


def fhir_response(
    body: dict[str, Any], version: FhirVersion, status: int = 200, **headers: str
) -> JSONResponse:
    return JSONResponse(
        body,
        status_code=status,
        media_type=f"{MEDIA_TYPE}; fhirVersion={version.value}",
        headers=headers or None,
    )


def _outcome(exc: ClaimDeskError, version: FhirVersion) -> JSONResponse:
    if isinstance(exc, FhirInvalid):
        issues, status = exc.issues, exc.status
    else:
        status = status_for(exc)
        issues = [Issue(ISSUE_CODES.get(status, "processing"), exc.message)]
    return fhir_response(operation_outcome(issues, version), version, status)


def _answer(version: FhirVersion, produce: Callable[[], JSONResponse]) -> JSONResponse:
    try:
        return produce()
    except ClaimDeskError as exc:
        return _outcome(exc, version)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


def _parsed(header: str) -> FhirVersion | None:
    if "fhirversion" not in header.lower():
        return None
    return version_from_media_type(header)


@router.post(
    "/Claim",
    status_code=201,
    response_class=JSONResponse,
    openapi_extra={"requestBody": {"required": True, **_RESOURCE_EXAMPLE}},
)
def submit_claim(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    body: Annotated[bytes, Depends(_raw_body)],
    content_type: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Import a health claim; answers 201 with its ClaimResponse (outcome queued) and a
    Location; the same Claim.identifier again answers 200 with the same claim."""
    try:
        version = version_from_media_type(content_type)
    except FhirInvalid as exc:
        return _outcome(exc, FhirVersion.R5)

    def produce() -> JSONResponse:
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise FhirInvalid(
                [Issue("structure", f"The body is not JSON: {exc}.")], status=400
            ) from exc
        claim, replayed = service.submit_claim(
            session, actor=actor, payload=payload, version=version, now=now, settings=settings
        )
        session.commit()
        answer = service.claim_response(session, actor=actor, claim_id=claim.id, version=version)
        return fhir_response(
            answer,
            version,
            200 if replayed else 201,
            Location=f"/api/v1/fhir/ClaimResponse/{claim.id}",
        )

    return _answer(version, produce)


def _read(
    produce: Callable[[FhirVersion], dict[str, Any]],
    session: SessionDep,
    claim_id: int,
    accept: str | None,
) -> JSONResponse:
    try:
        asked = _parsed(accept) if accept else None
    except FhirInvalid as exc:
        return _outcome(exc, FhirVersion.R5)
    version = service.response_version(session, claim_id, asked)
    return _answer(version, lambda: fhir_response(produce(version), version))


@router.get("/ClaimResponse/{claim_id}", response_class=JSONResponse)
def get_claim_response(
    claim_id: int,
    session: SessionDep,
    actor: ActorDep,
    accept: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Where adjudication stands: outcome, adjudication per item from the payout
    calculation, totals and payment. Version: Accept's fhirVersion, else the submitted one."""
    return _read(
        lambda version: service.claim_response(
            session, actor=actor, claim_id=claim_id, version=version
        ),
        session,
        claim_id,
        accept,
    )


@router.get("/ExplanationOfBenefit/{claim_id}", response_class=JSONResponse)
def get_explanation_of_benefit(
    claim_id: int,
    session: SessionDep,
    actor: ActorDep,
    accept: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """The explanation of benefit, once the claim is paid (404 OperationOutcome before)."""
    return _read(
        lambda version: service.explanation_of_benefit(
            session, actor=actor, claim_id=claim_id, version=version
        ),
        session,
        claim_id,
        accept,
    )
