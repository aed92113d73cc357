"""FHIR import and export: a Claim becomes a ClaimDesk claim through the normal intake, and
the claim's decision and payments go back as ClaimResponse and ExplanationOfBenefit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimdesk.claims import service as claims
from claimdesk.claims.enums import Channel, ClaimStatus
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import ClaimIn, LossLineIn
from claimdesk.config import Settings
from claimdesk.core.errors import NotFound, ValidationFailed
from claimdesk.customers.models import Customer
from claimdesk.interop import rules
from claimdesk.interop.models import FhirClaim
from claimdesk.interop.rules import FhirInvalid, FhirVersion, Issue
from claimdesk.policies.models import Policy
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

UNDECIDED = frozenset(
    {
        ClaimStatus.REPORTED,
        ClaimStatus.AWAITING_DOCUMENTS,
        ClaimStatus.UNDER_REVIEW,
        ClaimStatus.INVESTIGATING,
        ClaimStatus.ASSESSED,
        ClaimStatus.COVERAGE_VERIFIED,
        ClaimStatus.REOPENED,
    }
)


# ---------------------------------------------------------------- import


def _policy(session: Session, number: str) -> Policy:
    policy = session.scalars(
        select(Policy)
        .where(Policy.number == number)
        .options(selectinload(Policy.insured), selectinload(Policy.product))
    ).one_or_none()
    if policy is None:
        raise FhirInvalid(
            [
                Issue(
                    "not-found",
                    f"No policy numbered {number!r}: Claim.insurance.coverage.identifier must "
                    "carry the ClaimDesk policy number.",
                    "Claim.insurance",
                )
            ],
            status=422,
        )
    if policy.product.line != "medical":
        raise FhirInvalid(
            [
                Issue(
                    "business-rule",
                    f"Policy {number} is a {policy.product.line} policy; FHIR claims are health "
                    "claims and need a medical policy.",
                    "Claim.insurance",
                )
            ],
            status=422,
        )
    return policy


def _patient(session: Session, policy: Policy, identifiers: list[tuple[str | None, str]]) -> int:
    """The insured person (or holder) of the policy the patient identifier names."""
    people = [policy.holder_id, *(person.customer_id for person in policy.insured)]
    customers = session.scalars(select(Customer).where(Customer.id.in_(people))).all()
    for system, value in identifiers:
        for customer in customers:
            if system == rules.CUSTOMER_SYSTEM and value == str(customer.id):
                return customer.id
            if system != rules.CUSTOMER_SYSTEM and value == customer.id_number:
                return customer.id
    raise FhirInvalid(
        [
            Issue(
                "business-rule",
                f"The patient is not the holder or an insured person of policy {policy.number}.",
                "Claim.patient",
            )
        ],
        status=422,
    )


def _payee(session: Session, customer_id: int, holder_id: int) -> int | None:
    """The claimant's verified bank account, else the holder's, when there is exactly one."""
    for owner in (customer_id, holder_id):
        customer = session.get(Customer, owner)
        verified = [a.id for a in customer.bank_accounts if a.verified] if customer else []
        if len(verified) == 1:
            return verified[0]
    return None


def submit_claim(
    session: Session,
    *,
    actor: Actor,
    payload: Any,
    version: FhirVersion,
    now: datetime,
    settings: Settings,
) -> tuple[Claim, bool]:
    """Import a FHIR Claim through the normal intake. Returns the claim and whether it was
    a replay (the same Claim.identifier submitted again)."""
    require(actor, "interop.fhir.submit")
    request = rules.claim_request(rules.parse_claim(payload, version))
    policy = _policy(session, request.policy_number)
    patient_id = _patient(session, policy, request.patient_identifiers)
    try:
        data = _claim_in(request, policy, patient_id, _payee(session, patient_id, policy.holder_id))
    except PydanticValidationError as exc:
        raise FhirInvalid(
            [
                Issue("business-rule", f"{err['loc']}: {err['msg']}", "Claim")
                for err in exc.errors()
            ],
            status=422,
        ) from exc
    key = f"fhir:{request.identifier}"[:128] if request.identifier else None
    try:
        claim, replayed = claims.report_claim(
            session, actor=actor, data=data, now=now, settings=settings, idempotency_key=key
        )
    except ValidationFailed as exc:
        field = next((d.get("field") for d in exc.details if isinstance(d, dict)), None)
        raise FhirInvalid(
            [Issue("business-rule", exc.message, _FIELD_PATHS.get(field or "", "Claim"))],
            status=422,
        ) from exc
    if not replayed:
        session.add(
            FhirClaim(
                claim_id=claim.id,
                fhir_version=version.value,
                identifier=request.identifier,
                item_sequences=request.sequences,
                resource=payload,
                received_at=now,
                submitted_by_id=actor.user_id,
            )
        )
        session.flush()
    return claim, replayed


def _claim_in(
    request: rules.ClaimRequest, policy: Policy, patient_id: int, account_id: int | None
) -> ClaimIn:
    return ClaimIn(
        policy_id=policy.id,
        claim_type=request.coverage_code,
        incident_date=request.incident_date,
        description=request.description[:4000],
        claimed_amount=request.total,
        currency=request.currency or policy.currency,
        channel=Channel.API,
        incident_location=request.provider[:256],
        loss_lines=[
            LossLineIn(description=line.description, amount=line.amount) for line in request.lines
        ],
        customer_id=patient_id,
        bank_account_id=account_id,
    )


_FIELD_PATHS = {
    "incident_date": "Claim.accident.date",
    "claim_type": "Claim.type",
    "customer_id": "Claim.patient",
    "policy_id": "Claim.insurance",
    "loss_lines": "Claim.item",
}


# ---------------------------------------------------------------- export


def _source(session: Session, claim_id: int) -> FhirClaim | None:
    return session.scalars(select(FhirClaim).where(FhirClaim.claim_id == claim_id)).one_or_none()


def _claim(session: Session, actor: Actor, claim_id: int) -> Claim:
    require(actor, "interop.fhir.read")
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    if claim.policy.product.line != "medical":
        raise ValidationFailed(
            f"Claim {claim.number} is a {claim.policy.product.line} claim; the FHIR "
            "ClaimResponse and ExplanationOfBenefit cover health claims only."
        )
    return claim


def response_version(session: Session, claim_id: int, asked: FhirVersion | None) -> FhirVersion:
    """The version asked for, else the one the claim came in with, else R5."""
    if asked is not None:
        return asked
    source = _source(session, claim_id)
    return FhirVersion(source.fhir_version) if source else FhirVersion.R5


def _header(claim: Claim, source: FhirClaim | None) -> dict[str, Any]:
    resource = source.resource if source else {}
    claim_type = resource.get("type") or {
        "coding": [
            {
                "system": rules.CLAIM_TYPE_SYSTEM,
                "code": rules.CLAIM_TYPE_BY_COVERAGE.get(claim.claim_type, "institutional"),
            }
        ]
    }
    return {
        "id": str(claim.id),
        "identifier": [{"system": rules.CLAIM_SYSTEM, "value": claim.number}],
        "status": "cancelled" if claim.status == ClaimStatus.WITHDRAWN else "active",
        "type": claim_type,
        "use": "claim",
        "patient": resource.get("patient")
        or {"identifier": {"system": rules.CUSTOMER_SYSTEM, "value": str(claim.customer_id)}},
        "created": (claim.decided_at or claim.reported_at).isoformat(),
        "insurer": rules.INSURER,
    }


def _decided(claim: Claim) -> bool:
    return ClaimStatus(claim.status) not in UNDECIDED and claim.decided_at is not None


def _disposition(claim: Claim) -> str:
    status = ClaimStatus(claim.status)
    if status == ClaimStatus.WITHDRAWN:
        return "Withdrawn by the claimant / 已撤案"
    if not _decided(claim):
        return f"In adjudication ({status}) / 理赔处理中"
    if claim.approved_amount == 0:
        return f"Denied / 拒赔: {claim.decision_reason or ''}".strip()
    partial = claim.approved_amount < claim.claimed_amount
    return (
        f"{'Partially approved / 部分赔付' if partial else 'Approved / 赔付'} "
        f"{claim.approved_amount:,.2f} {claim.currency}"
    )


def _items(
    claim: Claim, source: FhirClaim | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``item`` entries for the submitted lines, and ``addItem`` entries for lines the
    assessor restated (the calculation then runs on those)."""
    currency = claim.currency
    claimant = [line for line in claim.loss_lines if line.source == "claimant"]
    sequences = (source.item_sequences if source else []) or list(range(1, len(claimant) + 1))
    payout = claim.approved_payout if _decided(claim) else None
    adjudicated = {a.ref: a for a in rules.allocate(payout)} if payout else {}
    items, added = [], []
    for sequence, line in zip(sequences, claimant, strict=False):
        share = adjudicated.get(str(line.id))
        entries = [rules.adjudication("submitted", line.amount, currency)]
        if share is not None:
            entries += _shares(share, currency)
        elif _decided(claim) and not adjudicated:
            entries.append(rules.adjudication("benefit", Decimal("0.00"), currency))
        items.append({"itemSequence": sequence, "adjudication": entries})
    for line in claim.loss_lines:
        share = adjudicated.get(str(line.id))
        if line.source == "assessor" and share is not None:
            added.append(
                {
                    "productOrService": {"text": line.description},
                    "net": rules.money(line.amount, currency),
                    "adjudication": _shares(share, currency),
                }
            )
    return items, added


def _shares(share: rules.ItemAdjudication, currency: str) -> list[dict[str, Any]]:
    entries = [
        rules.adjudication(category, getattr(share, category), currency)
        for category in ("eligible", "deductible", "copay", "benefit")
    ]
    if share.reasons:
        entries[0]["reason"] = {"text": " ".join(share.reasons)[:1000]}
    return entries


def _totals(claim: Claim) -> list[dict[str, Any]]:
    totals = [rules.adjudication("submitted", claim.claimed_amount, claim.currency)]
    if _decided(claim):
        totals.append(rules.adjudication("benefit", claim.approved_amount, claim.currency))
    return totals


def _payment(claim: Claim) -> dict[str, Any] | None:
    if not claim.payments:
        return None
    last = claim.payments[-1]
    kind = "complete" if claim.outstanding_amount == 0 else "partial"
    return {
        "type": {"coding": [{"system": rules.PAYMENT_TYPE_SYSTEM, "code": kind}]},
        "date": last.paid_at.date().isoformat(),
        "amount": rules.money(claim.paid_amount, claim.currency),
        "identifier": {"system": rules.PAYMENT_SYSTEM, "value": last.reference},
    }


def _decision(claim: Claim) -> dict[str, Any]:
    if not _decided(claim):
        code = "pended"
    elif claim.approved_amount == 0:
        code = "denied"
    else:
        code = "partial" if claim.approved_amount < claim.claimed_amount else "approved"
    return {"coding": [{"system": rules.DECISION_SYSTEM, "code": code}]}


def claim_response(
    session: Session, *, actor: Actor, claim_id: int, version: FhirVersion
) -> dict[str, Any]:
    claim = _claim(session, actor, claim_id)
    source = _source(session, claim.id)
    items, added = _items(claim, source)
    body: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        **_header(claim, source),
        "request": _header_request(claim, source),
        "outcome": "complete"
        if _decided(claim) or claim.status == ClaimStatus.WITHDRAWN
        else "queued",
        "disposition": _disposition(claim),
        "item": items or None,
        "addItem": added or None,
        "total": _totals(claim),
        "payment": _payment(claim),
    }
    if version is FhirVersion.R5:
        body["decision"] = _decision(claim)
    return rules.to_json(version.model("ClaimResponse"), _without_none(body))


def _header_request(claim: Claim, source: FhirClaim | None) -> dict[str, Any]:
    if source and source.identifier:
        system, _, value = source.identifier.rpartition("|")
        return {"identifier": {"system": system, "value": value} if system else {"value": value}}
    return {"reference": f"Claim/{claim.id}"}


def explanation_of_benefit(
    session: Session, *, actor: Actor, claim_id: int, version: FhirVersion
) -> dict[str, Any]:
    """The EOB once the claim is paid (in full or in part)."""
    claim = _claim(session, actor, claim_id)
    if not claim.payments:
        raise NotFound(
            f"Claim {claim.number} has no payment yet; its ExplanationOfBenefit exists once "
            "it is paid. Its ClaimResponse shows where adjudication stands."
        )
    source = _source(session, claim.id)
    resource = source.resource if source else {}
    items, added = _items(claim, source)
    descriptions = {
        item.get("sequence"): item.get("productOrService") for item in resource.get("item", [])
    }
    claimant = [line for line in claim.loss_lines if line.source == "claimant"]
    eob_items = [
        {
            "sequence": item["itemSequence"],
            "productOrService": descriptions.get(item["itemSequence"])
            or {"text": line.description},
            "net": rules.money(line.amount, claim.currency),
            "adjudication": item["adjudication"],
        }
        for item, line in zip(items, claimant, strict=False)
    ]
    policy_number = claim.policy.number
    body: dict[str, Any] = {
        "resourceType": "ExplanationOfBenefit",
        **_header(claim, source),
        "provider": resource.get("provider")
        or {"display": claim.incident_location or "unknown provider"},
        "claim": _header_request(claim, source),
        "claimResponse": {"reference": f"ClaimResponse/{claim.id}"},
        "outcome": "complete",
        "disposition": _disposition(claim),
        "insurance": [
            {
                "focal": True,
                "coverage": {"identifier": {"system": rules.POLICY_SYSTEM, "value": policy_number}},
            }
        ],
        "item": eob_items or None,
        "addItem": added or None,
        "total": _totals(claim),
        "payment": _payment(claim),
    }
    if version is FhirVersion.R5:
        body["decision"] = _decision(claim)
    return rules.to_json(version.model("ExplanationOfBenefit"), _without_none(body))


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}
