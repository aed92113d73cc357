"""The rating form a survey link opens, without signing in: the signed token in the link
(see claimdesk/messaging/links.py) stands for the customer, for that one survey only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from claimdesk.api.deps import NowDep, SessionDep, SettingsDep
from claimdesk.claims.models import Claim
from claimdesk.config import Settings
from claimdesk.core.errors import ClaimDeskError, NotFound
from claimdesk.customers.models import Customer
from claimdesk.messaging.links import survey_of_token
from claimdesk.messaging.rules import locale_of
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor
from claimdesk.support import surveys
from claimdesk.support.models import Survey, Ticket
from claimdesk.support.schemas import SurveyResponseIn
from claimdesk.web import forms
from claimdesk.web.rendering import Form, field, redirect, render, translator, web_router

router = web_router()


def _survey(session: Session, settings: Settings, token: str) -> Survey:
    survey = session.get(Survey, survey_of_token(settings, token))
    if survey is None:
        raise NotFound("This survey does not exist any more.")
    return survey


def _context(session: Session, survey: Survey, token: str, now: datetime) -> dict[str, Any]:
    claim = session.get(Claim, survey.claim_id) if survey.claim_id else None
    ticket = session.get(Ticket, survey.ticket_id) if survey.ticket_id else None
    state = "answered" if survey.responded_at else "expired" if now >= survey.expires_at else "open"
    return {
        "survey": survey,
        "token": token,
        "state": state,
        "about_claim": claim.number if claim and survey.subject == "claim" else None,
        "about_ticket": ticket.number if ticket else None,
        "comment": "",
    }


@router.get("/survey/{token}")
def survey_form(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    survey = _survey(session, settings, token)
    if "locale" not in request.session:  # the page speaks the language the link was sent in
        customer = session.get(Customer, survey.customer_id)
        request.session["locale"] = locale_of(customer.preferred_locale if customer else None)
    return render(request, "survey.html", _context(session, survey, token, now))


@router.post("/survey/{token}")
def answer_survey(
    request: Request,
    token: str,
    form: Form,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    survey = _survey(session, settings, token)
    customer = Actor(user_id=None, role=Role.CUSTOMER, customer_id=survey.customer_id)
    comment = field(form, "comment")
    try:
        score = field(form, "score")
        data = SurveyResponseIn(score=int(score) if score.isdigit() else 0, comment=comment or None)
        surveys.respond(session, actor=customer, survey_id=survey.id, data=data, now=now)
        session.commit()
    except (ValidationError, ClaimDeskError) as exc:
        session.rollback()
        context = _context(session, survey, token, now)
        context.update(forms.form_errors(exc, translator(request)), comment=comment)
        return render(request, "survey.html", context, status_code=422)
    return redirect(f"/survey/{token}")
