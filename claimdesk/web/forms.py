"""Form handling shared by the portal and the workbench: the claim report form (customer
and counter/phone intake), the ticket form, and turning errors into messages on fields."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from claimdesk.claims import service as claims
from claimdesk.claims.enums import Channel
from claimdesk.claims.schemas import ClaimIn
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.errors import ClaimDeskError, EvidenceMissing, NotFound, ValidationFailed
from claimdesk.customers.service import get_customer
from claimdesk.documents.checklists import document_kinds, required_documents, template
from claimdesk.policies import attribute_schema
from claimdesk.policies import service as policies
from claimdesk.security.service import Actor
from claimdesk.support import sla
from claimdesk.web.i18n import LOCALES, Translator
from claimdesk.web.rendering import field, flash, redirect, translator

CLAIM_FIELDS = (
    "customer_id",
    "channel",
    "policy_id",
    "claim_type",
    "incident_date",
    "incident_location",
    "description",
    "claimed_amount",
    "bank_account_id",
    "idempotency_key",
)
STAFF_CHANNELS = (Channel.COUNTER, Channel.PHONE)
ATTRIBUTE_PREFIX = "attributes."  # form fields of the product's claim attributes


def claim_values(form: FormData) -> dict[str, str]:
    values = {name: field(form, name) for name in CLAIM_FIELDS}
    values.update(
        {
            name: field(form, name)
            for name in form
            if name.startswith(ATTRIBUTE_PREFIX) and field(form, name)
        }
    )
    return values


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def claim_in(values: dict[str, str], *, channel: Channel | None) -> ClaimIn:
    """The service's input from the form; pydantic's errors name the fields."""
    data: dict[str, Any] = {
        "policy_id": values["policy_id"],
        "claim_type": values["claim_type"],
        "incident_date": values["incident_date"],
        "description": values["description"],
        "claimed_amount": values["claimed_amount"],
        "incident_location": values["incident_location"],
        "bank_account_id": _int(values["bank_account_id"]),
        "channel": channel,
    }
    if values.get("customer_id"):
        data["customer_id"] = values["customer_id"]
    data["attributes"] = {
        name.removeprefix(ATTRIBUTE_PREFIX): value
        for name, value in values.items()
        if name.startswith(ATTRIBUTE_PREFIX) and value
    }
    return ClaimIn.model_validate({k: v for k, v in data.items() if v not in ("", None)})


def claim_form_context(
    session: Session,
    *,
    actor: Actor,
    values: dict[str, str],
    now: datetime,
    settings: Settings,
) -> dict[str, Any]:
    """Policies to choose from, the chosen policy's claim types, their required documents
    and the claimant's bank accounts (staff intake: those of the customer named)."""
    attribute_values = {k: v for k, v in values.items() if k.startswith(ATTRIBUTE_PREFIX)}
    values = {name: values.get(name, "") for name in CLAIM_FIELDS} | attribute_values
    # One key per form: a double submit (or a retry after a lost answer) reports once.
    values["idempotency_key"] = values["idempotency_key"] or secrets.token_urlsafe(16)
    customer_id = actor.customer_id if actor.is_customer else _int(values["customer_id"])
    customer = None
    if customer_id is not None:
        try:
            customer = get_customer(session, actor=actor, customer_id=customer_id)
        except NotFound:
            customer = None
    choices = (
        policies.list_policies(session, actor=actor, customer_id=customer.id) if customer else []
    )
    policy = next((p for p in choices if str(p.id) == values["policy_id"]), None)
    if policy is None and len(choices) == 1:
        policy = choices[0]
    coverages = list(policy.product.coverages) if policy else []
    if coverages and values["claim_type"] not in {c.code for c in coverages}:
        values["claim_type"] = coverages[0].code
    checklist = (
        required_documents(policy.product.line, values["claim_type"])
        if policy and coverages
        else []
    )
    if policy is not None:
        values["policy_id"] = str(policy.id)
    schema = attribute_schema.schema_for(policy.product.code) if policy else None
    return {
        "values": values,
        "customer": customer,
        "policies": choices,
        "policy": policy,
        "coverages": coverages,
        "checklist": checklist,
        "attribute_fields": schema.claim if schema else (),
        "accounts": list(customer.bank_accounts) if customer else [],
        "channels": [str(c) for c in STAFF_CHANNELS],
        "today": local_date(now, settings.display_timezone).isoformat(),
    }


def ticket_form_context(
    session: Session, *, actor: Actor, values: dict[str, str]
) -> dict[str, Any]:
    config = sla.load_config()
    return {
        "values": {name: values.get(name, "") for name in ("kind", "subject", "body", "claim_id")},
        "kinds": [config.kinds[code] for code in config.ticket_kinds() if code != "follow_up"],
        "claims": claims.list_claims(session, actor=actor, limit=50),
    }


def form_errors(exc: Exception, t: Translator) -> dict[str, Any]:
    """Messages for the fields at fault and one for the top of the form."""
    errors: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for problem in exc.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            errors.setdefault(name, t.get(f"field_error.{name}", t("field_error.generic")))
        return {"errors": errors, "error": t("form.fix_fields")}
    assert isinstance(exc, ClaimDeskError)
    for detail in exc.details:
        if isinstance(detail, dict) and detail.get("field"):
            errors[str(detail["field"])] = exc.message_in(t.locale)
    return {"errors": errors, "error": exc.message_in(t.locale)}


def error_text(exc: Exception, t: Translator) -> str:
    if isinstance(exc, ClaimDeskError):
        return exc.message_in(t.locale)
    return t("form.fix_fields")


def act_then_return(
    request: Request,
    session: Session,
    *,
    act: Callable[[], object],
    page: str,
    notice: str,
    describe: Callable[[Exception, Translator], str | None] | None = None,
) -> Response:
    """Run a form's action and commit it, then go back to ``page`` with ``notice`` flashed,
    or with the error shown there and nothing of the action kept. A record that does not
    exist is the 404 page, not a message. ``describe`` may word an error in the reader's
    language (None: the error's own message)."""
    try:
        act()
        session.commit()
    except NotFound:
        raise
    except (ValueError, ClaimDeskError) as exc:
        session.rollback()
        t = translator(request)
        # In both languages: the page after the redirect shows the reader's, whichever.
        said: dict[str, str] = {}
        for language in LOCALES:
            reader = Translator(language, t.timezone)
            said[language] = (describe(exc, reader) if describe else None) or error_text(
                exc, reader
            )
        request.session["action_error"] = said
        return redirect(page)
    flash(request, notice)
    return redirect(page)


def _detail_fields(exc: ClaimDeskError) -> set[str]:
    return {str(d.get("field")) for d in exc.details if isinstance(d, dict) and d.get("field")}


def claim_action_error(exc: Exception, t: Translator, *, waiving: bool) -> str | None:
    """A refused claim action in the reader's language where the error says what was
    refused in data: documents missing (each gap carries both languages) and, when the
    form waived something, a waiver without a reason or of a kind that is not required."""
    if isinstance(exc, EvidenceMissing):
        gaps = [d for d in exc.details if isinstance(d, dict)]
        items = ("" if t.is_zh else " ").join(t.name(gap, "message") for gap in gaps)
        return t("waiver.evidence_missing", items=items)
    if not waiving or not isinstance(exc, ValidationFailed):
        return None
    fields = _detail_fields(exc)
    if "waive_documents" in fields:
        kinds = [k for d in exc.details if isinstance(d, dict) for k in d.get("kinds", [])]
        names = [t.name(template(k)) if k in document_kinds() else k for k in kinds]
        return t("waiver.not_required", kinds=", ".join(names))
    if "reason" in fields:
        return t("waiver.reason_required")
    return None


def payout_steps(payout: dict[str, Any] | None) -> list[dict[str, str]]:
    """The calculation's steps in order: each item, each coverage, then the claim."""
    if not payout:
        return []
    steps = [step for item in payout.get("items", []) for step in item["steps"]]
    steps += [step for coverage in payout.get("coverages", []) for step in coverage["steps"]]
    return steps + list(payout.get("steps", []))
