"""Pure HL7 FHIR mapping rules: a FHIR ``Claim`` to a ClaimDesk claim request, and a
ClaimDesk claim with its payout calculation to ``ClaimResponse`` / ``ExplanationOfBenefit``.

No database here: :mod:`claimdesk.interop.service` loads and stores. Mapping choices are
explained in docs/fhir.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from importlib import import_module
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from claimdesk.core.errors import ValidationFailed

MEDIA_TYPE = "application/fhir+json"
CLAIM_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/adjudication"
PAYMENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"
DECISION_SYSTEM = "http://terminology.hl7.org/CodeSystem/claim-decision"
# ClaimDesk's own identifier systems (URNs: no host needs to resolve them).
POLICY_SYSTEM = "urn:claimdesk:policy"
CUSTOMER_SYSTEM = "urn:claimdesk:customer"
COVERAGE_SYSTEM = "urn:claimdesk:coverage"
CLAIM_SYSTEM = "urn:claimdesk:claim"
PAYMENT_SYSTEM = "urn:claimdesk:payment"
INSURER = {"display": "ClaimDesk"}

# FHIR claim type -> ClaimDesk medical coverage. Oral and vision care are not covered by
# the medical products, so they are refused rather than guessed.
COVERAGE_BY_CLAIM_TYPE = {
    "institutional": "inpatient",
    "professional": "outpatient",
    "pharmacy": "outpatient",
}
CLAIM_TYPE_BY_COVERAGE = {"inpatient": "institutional", "outpatient": "professional"}


class FhirVersion(StrEnum):
    """A FHIR release. R4 (4.0.1) uses the R4B models: its Claim, ClaimResponse and
    ExplanationOfBenefit are the same as R4B's, and fhir.resources ships no R4 package."""

    R4 = "4.0"
    R4B = "4.3"
    R5 = "5.0"

    @property
    def package(self) -> str:
        return "fhir.resources" if self is FhirVersion.R5 else "fhir.resources.R4B"

    def model(self, resource: str) -> type[BaseModel]:
        module = import_module(f"{self.package}.{resource.lower()}")
        model: type[BaseModel] = getattr(module, resource)
        return model


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome issue: FHIR issue type code, message, FHIRPath location."""

    code: str
    diagnostics: str
    expression: str | None = None


class FhirInvalid(ValidationFailed):
    """A FHIR request that cannot be accepted; ``status`` is 400 (structure) or 422 (rules)."""

    code = "fhir_invalid"

    def __init__(self, issues: list[Issue], *, status: int) -> None:
        super().__init__(
            "; ".join(issue.diagnostics for issue in issues),
            details=[vars(issue) for issue in issues],
        )
        self.issues = issues
        self.status = status


def version_from_media_type(content_type: str | None) -> FhirVersion:
    """The version asked for with the ``fhirVersion`` media-type parameter (default R5)."""
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() != "fhirversion":
            continue
        value = value.strip().strip('"')
        for version in FhirVersion:
            if value.startswith(version.value):
                return version
        raise FhirInvalid(
            [Issue("not-supported", f"fhirVersion {value} is not supported; use 4.0, 4.3 or 5.0.")],
            status=400,
        )
    return FhirVersion.R5


def operation_outcome(issues: list[Issue], version: FhirVersion) -> dict[str, Any]:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": issue.code,
                "diagnostics": issue.diagnostics,
                **({"expression": [issue.expression]} if issue.expression else {}),
            }
            for issue in issues
        ],
    }
    return to_json(version.model("OperationOutcome"), body)


def to_json(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any]:
    """Validate an outgoing resource against the version's model and return plain JSON."""
    plain: dict[str, Any] = json.loads(model.model_validate(body).model_dump_json())
    return plain


# ---------------------------------------------------------------- Claim -> ClaimDesk


@dataclass(frozen=True)
class ClaimLine:
    sequence: int
    description: str
    amount: Decimal


@dataclass(frozen=True)
class ClaimRequest:
    """What a FHIR Claim asks for, in ClaimDesk's terms."""

    policy_number: str
    patient_identifiers: list[tuple[str | None, str]]
    coverage_code: str
    incident_date: date
    lines: list[ClaimLine]
    total: Decimal
    currency: str
    diagnoses: list[str]
    identifier: str | None
    provider: str
    sequences: list[int] = field(default_factory=list)

    @property
    def description(self) -> str:
        parts = [f"FHIR Claim {self.identifier}" if self.identifier else "FHIR Claim"]
        if self.diagnoses:
            parts.append("诊断 diagnosis: " + "; ".join(self.diagnoses))
        if self.provider:
            parts.append(f"provider: {self.provider}")
        return " · ".join(parts)


def _path(loc: tuple[Any, ...]) -> str:
    text = "Claim"
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def parse_claim(payload: Any, version: FhirVersion) -> Any:
    """Validate the JSON against the version's Claim model; structure errors are 400."""
    if not isinstance(payload, dict) or payload.get("resourceType") != "Claim":
        found = payload.get("resourceType") if isinstance(payload, dict) else type(payload).__name__
        raise FhirInvalid(
            [Issue("structure", f"Expected a FHIR Claim resource, got {found!r}.")], status=400
        )
    try:
        return version.model("Claim").model_validate(payload)
    except PydanticValidationError as exc:
        issues = [
            Issue(
                "required" if err["type"] == "missing" else "structure",
                f"{_path(err['loc'])}: {err['msg']}",
                _path(err["loc"]),
            )
            for err in exc.errors()
        ]
        raise FhirInvalid(issues, status=400) from exc
    except Exception as exc:  # the FHIR library fails otherwise on some shapes (an unknown
        # contained resource type is a KeyError): the resource is invalid all the same
        raise FhirInvalid(
            [
                Issue(
                    "structure", f"The Claim cannot be read as FHIR ({type(exc).__name__}: {exc})."
                )
            ],
            status=400,
        ) from exc


def _text(concept: Any) -> str:
    if concept is None:
        return ""
    if concept.text:
        return str(concept.text)
    for coding in concept.coding or []:
        if coding.display or coding.code:
            return " ".join(part for part in (coding.code, coding.display) if part)
    return ""


def _codes(concept: Any, system: str) -> list[str]:
    return [
        c.code for c in (getattr(concept, "coding", None) or []) if c.system == system and c.code
    ]


def _amount(item: Any) -> Decimal | None:
    if item.net is not None and item.net.value is not None:
        return Decimal(item.net.value)
    if item.unitPrice is not None and item.unitPrice.value is not None:
        quantity = Decimal(item.quantity.value) if item.quantity and item.quantity.value else 1
        factor = Decimal(item.factor) if item.factor is not None else Decimal(1)
        return Decimal(item.unitPrice.value) * quantity * factor
    return None


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _incident_date(claim: Any) -> date | None:
    if claim.accident is not None and claim.accident.date is not None:
        return _day(claim.accident.date)
    if claim.billablePeriod is not None and claim.billablePeriod.start is not None:
        return _day(claim.billablePeriod.start)
    served = [
        _day(item.servicedDate or (item.servicedPeriod.start if item.servicedPeriod else None))
        for item in claim.item or []
    ]
    days = [day for day in served if day is not None]
    return min(days) if days else None


def claim_request(claim: Any) -> ClaimRequest:
    """Map a validated FHIR Claim; every business-rule problem is one 422 issue."""
    issues: list[Issue] = []
    if claim.status != "active":
        issues.append(Issue("business-rule", "Only active claims are accepted.", "Claim.status"))
    if claim.use != "claim":
        issues.append(
            Issue(
                "not-supported",
                f"Claim.use '{claim.use}' is not supported: submit use 'claim' "
                "(pre-authorisations and predeterminations are not handled).",
                "Claim.use",
            )
        )
    focal = [i for i in claim.insurance or [] if i.focal] or list(claim.insurance or [])
    policy_number = ""
    if focal and focal[0].coverage is not None and focal[0].coverage.identifier is not None:
        policy_number = focal[0].coverage.identifier.value or ""
    if not policy_number:
        issues.append(
            Issue(
                "required",
                "Name the policy in Claim.insurance.coverage.identifier (value: policy number).",
                "Claim.insurance",
            )
        )
    patient = claim.patient.identifier if claim.patient is not None else None
    identifiers = [(patient.system, patient.value)] if patient is not None and patient.value else []
    if not identifiers:
        issues.append(
            Issue(
                "required",
                "Identify the patient as Claim.patient.identifier (resident ID number, or "
                f"system {CUSTOMER_SYSTEM} with the ClaimDesk customer id).",
                "Claim.patient",
            )
        )
    overrides = _codes(claim.subType, COVERAGE_SYSTEM)
    types = _codes(claim.type, CLAIM_TYPE_SYSTEM)
    coverage = overrides[0] if overrides else COVERAGE_BY_CLAIM_TYPE.get(types[0] if types else "")
    if coverage is None:
        issues.append(
            Issue(
                "not-supported",
                f"Claim type {types[0] if types else _text(claim.type)!r} is not covered by "
                "the medical products (institutional -> inpatient, professional or pharmacy "
                f"-> outpatient; or give Claim.subType with system {COVERAGE_SYSTEM}).",
                "Claim.type",
            )
        )
    incident = _incident_date(claim)
    if incident is None:
        issues.append(
            Issue(
                "required",
                "Give the date of the illness or accident: Claim.accident.date, "
                "Claim.billablePeriod.start or the items' servicedDate.",
                "Claim.item",
            )
        )
    lines = []
    for index, item in enumerate(claim.item or []):
        amount = _amount(item)
        if amount is not None and amount != amount.quantize(Decimal("0.01")):
            issues.append(
                Issue(
                    "business-rule",
                    f"Item {item.sequence}: {amount} has more than two decimal places; "
                    "give amounts in cents.",
                    f"Claim.item[{index}].net",
                )
            )
            continue
        if amount is None or amount <= 0:
            issues.append(
                Issue(
                    "required",
                    f"Item {item.sequence} needs a positive net amount (or unitPrice).",
                    f"Claim.item[{index}].net",
                )
            )
            continue
        name = _text(item.productOrService) or f"item {item.sequence}"
        lines.append(ClaimLine(item.sequence, f"{item.sequence}. {name}"[:256], amount))
    if not claim.item:
        issues.append(Issue("required", "A claim needs at least one item.", "Claim.item"))
    currency = ""
    total = Decimal("0")
    if claim.total is not None and claim.total.value is not None:
        total = Decimal(claim.total.value)
        currency = claim.total.currency or ""
    elif lines:
        total = sum((line.amount for line in lines), Decimal("0"))
    if lines and total != sum((line.amount for line in lines), Decimal("0")):
        issues.append(
            Issue(
                "business-rule",
                f"Claim.total {total} is not the sum of the items' net amounts "
                f"{sum((line.amount for line in lines), Decimal('0'))}.",
                "Claim.total",
            )
        )
    currencies = {
        item.net.currency for item in claim.item or [] if item.net is not None and item.net.currency
    }
    currency = currency or (currencies.pop() if len(currencies) == 1 else "")
    if issues:
        raise FhirInvalid(issues, status=422)
    identifier = next(
        (
            f"{i.system}|{i.value}" if i.system else i.value
            for i in claim.identifier or []
            if i.value
        ),
        None,
    )
    provider = claim.provider.display or claim.provider.reference or "" if claim.provider else ""
    diagnoses = [
        _text(d.diagnosisCodeableConcept)
        for d in claim.diagnosis or []
        if d.diagnosisCodeableConcept
    ]
    return ClaimRequest(
        policy_number=policy_number,
        patient_identifiers=identifiers,
        coverage_code=coverage or "",
        incident_date=incident or date.min,
        lines=lines,
        total=total,
        currency=currency,
        diagnoses=[d for d in diagnoses if d],
        identifier=identifier,
        provider=provider,
        sequences=[line.sequence for line in lines],
    )


# ---------------------------------------------------------------- ClaimDesk -> responses


@dataclass(frozen=True)
class ItemAdjudication:
    """One loss line's share of the payout calculation."""

    ref: str
    submitted: Decimal
    eligible: Decimal
    deductible: Decimal
    copay: Decimal
    benefit: Decimal
    reasons: tuple[str, ...]


def allocate(payout: dict[str, Any]) -> list[ItemAdjudication]:
    """Spread each coverage's deductible, co-payment and payable over its items in
    proportion to their eligible amounts (cents; the last item takes the rounding rest),
    so the items add up exactly to the coverage figures of the calculation."""
    result = []
    for coverage in payout.get("coverages", []):
        items = [i for i in payout.get("items", []) if i["coverage_code"] == coverage["code"]]
        eligible_total = Decimal(coverage["eligible"])
        shares = {
            name: Decimal(coverage[key])
            for name, key in (
                ("deductible", "deductible_applied"),
                ("copay", "copay"),
                ("benefit", "payable"),
            )
        }
        given = dict.fromkeys(shares, Decimal("0"))
        weighted = [i for i in items if Decimal(i["eligible"]) > 0]
        for item in items:
            eligible = Decimal(item["eligible"])
            amounts = {}
            for name, total in shares.items():
                if not weighted or eligible == 0:
                    amounts[name] = Decimal("0.00")
                elif item is weighted[-1]:
                    amounts[name] = total - given[name]
                else:
                    amounts[name] = (total * eligible / eligible_total).quantize(Decimal("0.01"))
                given[name] += amounts[name]
            result.append(
                ItemAdjudication(
                    ref=item["ref"],
                    submitted=Decimal(item["claimed"]),
                    eligible=eligible,
                    deductible=amounts["deductible"],
                    copay=amounts["copay"],
                    benefit=amounts["benefit"],
                    reasons=tuple(step["message_en"] for step in item.get("steps", [])),
                )
            )
    return result


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"value": amount, "currency": currency}


def adjudication(category: str, amount: Decimal, currency: str) -> dict[str, Any]:
    return {
        "category": {"coding": [{"system": ADJUDICATION_SYSTEM, "code": category}]},
        "amount": money(amount, currency),
    }
