"""Loyalty points earned from events (subscribed in bootstrap's table); each event earns once.

- A claim the customer reports online (web, app, API) earns ``self_service_claim``.
- A document the customer uploads earns ``self_service_upload``.
- An answered satisfaction survey earns ``survey_answered``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from claimdesk.claims.enums import SELF_SERVICE_CHANNELS
from claimdesk.claims.events import ClaimReported
from claimdesk.claims.models import Claim
from claimdesk.customers import loyalty
from claimdesk.documents.events import DocumentUploaded
from claimdesk.support.events import SurveyAnswered


def on_claim_reported(session: Session, event: ClaimReported) -> None:
    claim = session.get(Claim, event.claim_id)
    assert claim is not None
    if event.actor.is_customer and claim.channel in SELF_SERVICE_CHANNELS:
        loyalty.earn(
            session,
            customer_id=claim.customer_id,
            reason="self_service_claim",
            key=f"claim:{claim.id}",
            now=event.at,
        )


def on_document_uploaded(session: Session, event: DocumentUploaded) -> None:
    if event.actor.is_customer:
        loyalty.earn(
            session,
            customer_id=event.customer_id,
            reason="self_service_upload",
            key=f"document:{event.document_id}",
            now=event.at,
        )


def on_survey_answered(session: Session, event: SurveyAnswered) -> None:
    loyalty.earn(
        session,
        customer_id=event.customer_id,
        reason="survey_answered",
        key=f"survey:{event.survey_id}",
        now=event.at,
    )
