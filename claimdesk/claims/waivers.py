"""What a person with waiver authority could waive on a claim before money moves: the
required documents the evidence guard would refuse now, and a field investigation that
routing requires and nobody has completed. Read only: the waiver itself is part of the
``approve``/``pay`` transition (``TransitionIn.waive_documents`` /
``waive_field_investigation`` with a reason), checked and recorded there."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims import field_investigations, rules, service
from claimdesk.claims.enums import ClaimAction
from claimdesk.claims.models import Claim, FieldInvestigation
from claimdesk.config import Settings
from claimdesk.documents.evidence import completeness_of
from claimdesk.security.service import Actor

# The transitions that take a waiver, and which kinds of waiver each takes.
DOCUMENT_WAIVER_ACTIONS = frozenset({ClaimAction.APPROVE, ClaimAction.PAY})
FIELD_INVESTIGATION_WAIVER_ACTIONS = frozenset({ClaimAction.APPROVE})


@dataclass(frozen=True)
class WaiverOptions:
    """The waivable items of a claim for one person (empty: nothing to offer)."""

    document_kinds: list[str] = field(default_factory=list)
    field_investigation: bool = False

    def __bool__(self) -> bool:
        return bool(self.document_kinds) or self.field_investigation


def has_waiver_authority(actor: Actor, settings: Settings) -> bool:
    return str(actor.role) in settings.waiver_roles


def open_document_kinds(session: Session, claim: Claim) -> list[str]:
    """Required kinds the evidence guard refuses now (missing, still being read,
    unreadable or mismatched), not already waived, in checklist order."""
    required = [d.kind for d in service.documents_for(claim)]
    gaps = rules.evidence_gaps(
        completeness_of(session, claim), required=required, waived=claim.waived_documents
    )
    return list(dict.fromkeys(gap.kind for gap in gaps))


def field_investigation_open(session: Session, claim: Claim) -> bool:
    """Routing requires a field investigation of the claim and none is completed or waived."""
    reasons = field_investigations.reasons_for(claim)
    if not reasons:
        return False
    statuses = set(
        session.scalars(
            select(FieldInvestigation.status).where(FieldInvestigation.claim_id == claim.id)
        )
    )
    return rules.field_investigation_pending(reasons=reasons, statuses=statuses)


def options(session: Session, *, actor: Actor, claim: Claim, settings: Settings) -> WaiverOptions:
    """What this person may waive on the claim now; nothing without waiver authority."""
    if not has_waiver_authority(actor, settings):
        return WaiverOptions()
    return WaiverOptions(
        document_kinds=open_document_kinds(session, claim),
        field_investigation=field_investigation_open(session, claim),
    )
