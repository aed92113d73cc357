"""The customer portal: policies, reporting a claim, documents, claim timeline, tickets,
surveys. Claim pages under /claims/{id} that staff also use (documents panel, file
preview, lifecycle actions) check visibility through the claim service, so a stranger's
claim is a 404 for everyone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from claimdesk.api.deps import BlobsDep, NowDep, SessionDep, SettingsDep
from claimdesk.claims import advances
from claimdesk.claims import clocks as statutory_clocks
from claimdesk.claims import service as claims
from claimdesk.claims.enums import Channel, ClaimAction
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import AdvancePaymentIn, TransitionIn
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.errors import ClaimDeskError, NotFound
from claimdesk.customers import export
from claimdesk.documents import service as documents
from claimdesk.documents.checklists import document_kinds, template
from claimdesk.policies import service as policies
from claimdesk.security.permissions import allowed
from claimdesk.security.service import Actor
from claimdesk.support import disputes, surveys
from claimdesk.support import service as support
from claimdesk.support.schemas import DisputeIn, MessageIn, SurveyResponseIn, TicketIn
from claimdesk.web import forms
from claimdesk.web.i18n import Translator
from claimdesk.web.progress import DECIDED, progress
from claimdesk.web.rendering import Form, field, flash, redirect, render, translator, web_router
from claimdesk.web.sessions import CurrentUser, CustomerActor, OptionalUser, actor_of

router = web_router()


# ---------------------------------------------------------------- home and policies


@router.get("/")
def home(
    request: Request, user: OptionalUser, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    if user is None:
        return render(request, "portal/welcome.html")
    actor = actor_of(user)
    if not actor.is_customer:
        return redirect("/staff")
    return render(
        request,
        "portal/home.html",
        {
            "policies": _policies(session, actor, now, settings),
            "claims": [
                claims.claim_view(c, actor=actor, now=now, settings=settings)
                for c in claims.list_claims(session, actor=actor, limit=20)
            ],
            "tickets": support.list_tickets(session, actor=actor, limit=10),
            "surveys": surveys.open_surveys(session, actor=actor, now=now),
        },
    )


def _policies(session: Session, actor: Actor, now: Any, settings: Settings) -> list[Any]:
    today = local_date(now, settings.display_timezone)
    return [
        policies.policy_view(session, p, today)
        for p in policies.list_policies(session, actor=actor)
    ]


@router.get("/policies")
def my_policies(
    request: Request, actor: CustomerActor, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    return render(
        request, "portal/policies.html", {"policies": _policies(session, actor, now, settings)}
    )


# ---------------------------------------------------------------- report a claim


@router.get("/claims/new")
def new_claim(
    request: Request,
    actor: CustomerActor,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    policy_id: int | None = None,
    claim_type: str | None = None,
) -> Response:
    values = {"policy_id": str(policy_id or ""), "claim_type": claim_type or ""}
    return render(
        request,
        "portal/claim_new.html",
        forms.claim_form_context(session, actor=actor, values=values, now=now, settings=settings),
    )


@router.get("/claims/new/coverage")
def claim_coverage_step(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    policy_id: str = "",
    claim_type: str = "",
    customer_id: str = "",
) -> Response:
    """htmx: the claim types of the chosen policy and the documents they need."""
    values = {"policy_id": policy_id, "claim_type": claim_type, "customer_id": customer_id}
    context = forms.claim_form_context(
        session, actor=actor_of(user), values=values, now=now, settings=settings
    )
    return render(request, "fragments/coverage_step.html", context)


def report_from_form(
    request: Request,
    session: Session,
    *,
    actor: Actor,
    form: FormData,
    now: Any,
    settings: Settings,
    template: str,
    claim_url: str,
) -> Response:
    """Report the claim the form describes (customer or counter/phone intake); on an error
    show the form again with everything typed and a message on each field at fault."""
    values = forms.claim_values(form)
    channel = Channel(values["channel"]) if values["channel"] in forms.STAFF_CHANNELS else None
    try:
        data = forms.claim_in(values, channel=None if actor.is_customer else channel)
        claim, _replayed = claims.report_claim(
            session,
            actor=actor,
            data=data,
            now=now,
            settings=settings,
            idempotency_key=values["idempotency_key"] or None,
        )
        session.commit()
    except (ValidationError, ClaimDeskError) as exc:
        session.rollback()
        context = forms.claim_form_context(
            session, actor=actor, values=values, now=now, settings=settings
        )
        context.update(forms.form_errors(exc, translator(request)))
        return render(request, template, context, status_code=422)
    flash(request, "notice.claim_reported")
    return redirect(claim_url.format(id=claim.id))


@router.post("/claims")
def report_claim(
    request: Request,
    actor: CustomerActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    return report_from_form(
        request,
        session,
        actor=actor,
        form=form,
        now=now,
        settings=settings,
        template="portal/claim_new.html",
        claim_url="/claims/{id}",
    )


# ---------------------------------------------------------------- one claim


def claim_page_context(
    session: Session, *, actor: Actor, claim: Claim, now: Any, settings: Settings
) -> dict[str, Any]:
    """What the claim pages show (customer and staff alike, each seeing their share)."""
    payout = claim.approved_payout or claim.payout
    return {
        "claim": claims.claim_view(
            claim,
            actor=actor,
            now=now,
            settings=settings,
            clocks=statutory_clocks.of_claim(session, claim.id),
        ),
        "events": claims.timeline(session, actor=actor, claim_id=claim.id),
        "payout": payout,
        "payout_steps": forms.payout_steps(payout),
        "panel": documents_panel(session, actor=actor, claim_id=claim.id),
        "disputes": disputes.disputes_of_claim(session, actor=actor, claim_id=claim.id),
        "can_dispute": claim.status in disputes.DECIDED,
        "tickets": support.list_tickets(session, actor=actor, claim_id=claim.id, limit=100)
        if actor.is_customer or allowed(actor, "support.work")
        else [],
    }


def documents_panel(
    session: Session, *, actor: Actor, claim_id: int, error: str | None = None
) -> dict[str, Any]:
    claim, docs = documents.list_documents(session, actor=actor, claim_id=claim_id)
    result = documents.completeness(session, actor=actor, claim_id=claim_id)
    return {
        "claim_id": claim.id,
        "documents": [documents.document_view(d, claim) for d in docs],
        "completeness": result,
        "must_show": {m.kind: m for m in result.missing},
        "kinds": [template(r.kind) for r in result.required],
        "names": {kind: template(kind) for kind in document_kinds()},
        "upload_error": error,
        "staff": not actor.is_customer,
        # A decided claim asks its customer for nothing more (staff still see the list).
        "decided": actor.is_customer and str(claim.status) in DECIDED,
    }


@router.get("/claims/{claim_id}")
def claim_page(
    request: Request,
    claim_id: int,
    actor: CustomerActor,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    context = claim_page_context(session, actor=actor, claim=claim, now=now, settings=settings)
    view = context["claim"]
    context["tracker"] = progress(
        str(claim.status), view.statutory_clocks, view.statutory.decision_due_at
    )
    context["reply_due"] = reply_due
    context["surveys"] = [
        s for s in surveys.open_surveys(session, actor=actor, now=now) if s.claim_id == claim.id
    ]
    return render(request, "portal/claim.html", context)


@router.get("/claims/{claim_id}/documents")
def documents_fragment(
    request: Request, claim_id: int, user: CurrentUser, session: SessionDep
) -> Response:
    """htmx: the checklist and the uploaded files (polled while files are being read)."""
    panel = documents_panel(session, actor=actor_of(user), claim_id=claim_id)
    return render(request, "fragments/documents.html", {"panel": panel})


@router.post("/claims/{claim_id}/documents")
def upload_document(
    request: Request,
    claim_id: int,
    user: CurrentUser,
    form: Form,
    session: SessionDep,
    blobs: BlobsDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    actor = actor_of(user)
    upload = form.get("file")
    error = None
    if not isinstance(upload, UploadFile) or not upload.filename:
        error = translator(request)("upload.choose_file")
    else:
        try:
            documents.upload_document(
                session,
                actor=actor,
                claim_id=claim_id,
                data=upload.file.read(settings.upload_max_bytes + 1),
                filename=upload.filename,
                declared_kind=field(form, "kind") or None,
                now=now,
                settings=settings,
                store=blobs,
            )
            session.commit()
        except NotFound:
            raise
        except ClaimDeskError as exc:
            session.rollback()
            error = exc.message_in(translator(request).locale)
    panel = documents_panel(session, actor=actor, claim_id=claim_id, error=error)
    if request.headers.get("HX-Request"):
        return render(request, "fragments/documents.html", {"panel": panel})
    if error is None:
        flash(request, "notice.document_uploaded")
    return redirect(f"/claims/{claim_id}" if actor.is_customer else f"/staff/claims/{claim_id}")


@router.get("/claims/{claim_id}/documents/{document_id}/file")
def document_file(
    claim_id: int,
    document_id: int,
    user: CurrentUser,
    session: SessionDep,
    blobs: BlobsDep,
    settings: SettingsDep,
) -> Response:
    """The file for preview in the browser, as uploaded."""
    document, data = documents.document_content(
        session,
        actor=actor_of(user),
        claim_id=claim_id,
        document_id=document_id,
        store=blobs,
    )
    return Response(
        content=data,
        media_type=document.mime,
        headers={
            "Content-Disposition": "inline",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )


@router.post("/claims/{claim_id}/actions")
def claim_action(
    request: Request,
    claim_id: int,
    user: CurrentUser,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """One lifecycle action (the buttons on the claim pages); errors come back on the page."""
    actor = actor_of(user)
    page = f"/claims/{claim_id}" if actor.is_customer else f"/staff/claims/{claim_id}"

    waive_documents = [str(k) for k in form.getlist("waive_documents") if str(k)]
    waive_field_investigation = bool(field(form, "waive_field_investigation"))

    def act() -> None:
        command = TransitionIn(
            action=ClaimAction(field(form, "action")),
            reason=field(form, "reason") or None,
            feedback=field(form, "feedback") or None,
            amount=field(form, "amount") or None,
            expected_version=int(field(form, "version") or 0) or None,
            investigation_outcome=field(form, "investigation_outcome") or None,
            waive_documents=waive_documents,
            waive_field_investigation=waive_field_investigation,
            bank_account_id=int(field(form, "bank_account_id") or 0) or None,
        )
        claims.transition(
            session, actor=actor, claim_id=claim_id, command=command, now=now, settings=settings
        )

    def describe(exc: Exception, t: Translator) -> str | None:
        waiving = bool(waive_documents) or waive_field_investigation
        return forms.claim_action_error(exc, t, waiving=waiving)

    return forms.act_then_return(
        request, session, act=act, page=page, notice="notice.action_done", describe=describe
    )


@router.post("/claims/{claim_id}/advance-payment")
def claim_advance_payment(
    request: Request,
    claim_id: int,
    user: CurrentUser,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """Art. 25 advance payment from the staff claim page; errors come back on the page."""
    actor = actor_of(user)
    page = f"/claims/{claim_id}" if actor.is_customer else f"/staff/claims/{claim_id}"

    def act() -> None:
        data = AdvancePaymentIn.model_validate(
            {"amount": field(form, "amount"), "reason": field(form, "reason") or None}
        )
        advances.advance_payment(
            session, actor=actor, claim_id=claim_id, data=data, now=now, settings=settings
        )

    return forms.act_then_return(request, session, act=act, page=page, notice="notice.action_done")


@router.post("/claims/{claim_id}/disputes")
def open_dispute(
    request: Request,
    claim_id: int,
    user: CurrentUser,
    form: Form,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """Dispute a decided claim (the customer, or staff on the customer's behalf)."""
    actor = actor_of(user)
    page = f"/claims/{claim_id}" if actor.is_customer else f"/staff/claims/{claim_id}"

    def act() -> None:
        data = DisputeIn(claim_id=claim_id, reason=field(form, "reason"))
        disputes.open_dispute(session, actor=actor, data=data, now=now)

    return forms.act_then_return(
        request, session, act=act, page=page, notice="notice.dispute_opened"
    )


# ---------------------------------------------------------------- tickets and surveys


@router.get("/my-data.zip")
def my_data(
    actor: CustomerActor, session: SessionDep, blobs: BlobsDep, settings: SettingsDep, now: NowDep
) -> Response:
    """Everything we hold about the signed-in customer: data.json and their documents."""
    assert actor.customer_id is not None
    data = export.export_customer(
        session,
        actor=actor,
        customer_id=actor.customer_id,
        reason=None,
        now=now,
        settings=settings,
    )
    session.commit()  # the access log of reads in clear
    return Response(
        content=export.export_zip(data, store=blobs),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="my-claimdesk-data.zip"'},
    )


@router.get("/tickets")
def my_tickets(request: Request, actor: CustomerActor, session: SessionDep) -> Response:
    return render(
        request,
        "portal/tickets.html",
        {"tickets": support.list_tickets(session, actor=actor, limit=100)},
    )


@router.get("/tickets/new")
def new_ticket(
    request: Request,
    actor: CustomerActor,
    session: SessionDep,
    kind: str = "consultation",
    claim_id: str = "",
) -> Response:
    return render(
        request,
        "portal/ticket_new.html",
        forms.ticket_form_context(
            session, actor=actor, values={"kind": kind, "claim_id": claim_id}
        ),
    )


@router.post("/tickets")
def open_ticket(
    request: Request, actor: CustomerActor, form: Form, session: SessionDep, now: NowDep
) -> Response:
    values = {name: field(form, name) for name in ("kind", "subject", "body", "claim_id")}
    try:
        data = TicketIn(
            kind=values["kind"],
            subject=values["subject"],
            body=values["body"],
            claim_id=int(values["claim_id"]) if values["claim_id"] else None,
        )
        ticket = support.create_ticket(session, actor=actor, data=data, now=now)
        session.commit()
    except (ValidationError, ClaimDeskError) as exc:
        session.rollback()
        context = forms.ticket_form_context(session, actor=actor, values=values)
        context.update(forms.form_errors(exc, translator(request)))
        return render(request, "portal/ticket_new.html", context, status_code=422)
    flash(request, "notice.ticket_opened")
    return redirect(f"/tickets/{ticket.id}")


@router.get("/tickets/{ticket_id}")
def ticket_page(
    request: Request, ticket_id: int, actor: CustomerActor, session: SessionDep, now: NowDep
) -> Response:
    ticket = support.get_ticket(session, actor=actor, ticket_id=ticket_id)
    return render(
        request,
        "portal/ticket.html",
        {
            "ticket": support.ticket_view(session, ticket, actor=actor, now=now),
            "body": "",
            "reply_due": reply_due(ticket),
        },
    )


_ANSWERED = frozenset({"resolved", "closed"})


def reply_due(ticket: Any) -> datetime | None:
    """By when a complaint is answered: its running service-level clock due first (the
    first response, then the resolution); None for other tickets or once answered."""
    if ticket.kind != "complaint" or str(ticket.status) in _ANSWERED:
        return None
    running = [c.due_at for c in ticket.clocks if c.stopped_at is None and c.due_at]
    return min(running) if running else None


@router.post("/tickets/{ticket_id}/messages")
def reply_to_ticket(
    request: Request,
    ticket_id: int,
    actor: CustomerActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
) -> Response:
    body = field(form, "body")
    try:
        support.add_message(
            session, actor=actor, ticket_id=ticket_id, data=MessageIn(body=body), now=now
        )
        session.commit()
    except NotFound:
        raise
    except (ValidationError, ClaimDeskError) as exc:
        session.rollback()
        ticket = support.get_ticket(session, actor=actor, ticket_id=ticket_id)
        context: dict[str, Any] = {
            "ticket": support.ticket_view(session, ticket, actor=actor, now=now),
            "reply_due": reply_due(ticket),
        }
        context.update(forms.form_errors(exc, translator(request)), body=body)
        return render(request, "portal/ticket.html", context, status_code=422)
    return redirect(f"/tickets/{ticket_id}")


@router.post("/surveys/{survey_id}")
def rate_service(
    request: Request,
    survey_id: int,
    actor: CustomerActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
) -> Response:
    survey = surveys.get_survey(session, actor=actor, survey_id=survey_id)
    back = f"/claims/{survey.claim_id}" if survey.claim_id else "/"

    def act() -> None:
        data = SurveyResponseIn(
            score=int(field(form, "score") or 0), comment=field(form, "comment") or None
        )
        surveys.respond(session, actor=actor, survey_id=survey_id, data=data, now=now)

    return forms.act_then_return(
        request, session, act=act, page=back, notice="notice.thanks_for_rating"
    )
