from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from claimdesk.claims import machine, rules
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.events import (
    ClaimApproved,
    ClaimAssessed,
    ClaimEventType,
    ClaimReported,
    ClaimTransitioned,
    DocumentsWaived,
    FieldInvestigationWaived,
    InvestigationClosed,
    PaymentIssued,
)
from claimdesk.claims.rules import DecisionFacts, Limits
from claimdesk.claims.schemas import ClaimIn, LossLineIn, TransitionIn
from claimdesk.core.db import Base, HistoryEntry, Money, UTCDateTime, temporary_number
from claimdesk.core.errors import StaleVersion, ValidationFailed
from claimdesk.core.machine import Transition
from claimdesk.core.messages import MESSAGE
from claimdesk.documents.rules import Completeness
from claimdesk.fraud import outcomes
from claimdesk.fraud.enums import InvestigationOutcome
from claimdesk.policies import attribute_schema as attributes_rules
from claimdesk.policies.attribute_schema import ProductAttributes
from claimdesk.policies.models import Policy
from claimdesk.security.crypto import EncryptedText, search_hash
from claimdesk.security.enums import Role

if TYPE_CHECKING:
    from claimdesk.security.service import Actor

# Timeline kind of a waiver of required documents (who, which kinds, why).
DOCUMENTS_WAIVED = "documents_waived"


class Claim(Base):
    __tablename__ = "claims"
    # Work queues at scale (migration 0011scl): a status page newest first, a handler's queue.
    __table_args__ = (
        Index("ix_claims_status_id", "status", "id"),
        Index("ix_claims_assessor_id_status", "assessor_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    claim_type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    incident_date: Mapped[date] = mapped_column(Date)
    incident_location: Mapped[str] = mapped_column(String(256), default="")
    # Free text that can carry health data: encrypted at rest (revision 0015enc).
    description: Mapped[str] = mapped_column(EncryptedText(context="claims.description"))
    claimed_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[str] = mapped_column(String(24), default=ClaimStatus.REPORTED, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("bank_accounts.id"))
    siu_referred: Mapped[bool] = mapped_column(Boolean, default=False)

    assessed_amount: Mapped[Decimal | None] = mapped_column(Money)
    payable_amount: Mapped[Decimal | None] = mapped_column(Money)
    approved_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    # Outstanding case reserve: what the insurer still expects to pay (history in
    # claim_reserves; incurred = paid + reserve).
    reserve_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), server_default="0")
    payout: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The calculation the current approval was based on (payout may be recalculated after).
    approved_payout: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Required document kinds waived by a person with waiver authority (timeline has who/why).
    waived_documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence_waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Referred for approval to a named colleague with enough authority (timeline has why).
    referred_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_feedback: Mapped[str | None] = mapped_column(Text)
    # What adjusters collect at first notice, per the product's attribute schema
    # (claimdesk/policies/attributes/<product>.toml), validated at intake.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # How an investigation (SIU or field) ended: fraud_confirmed, cleared or inconclusive.
    investigation_outcome: Mapped[str | None] = mapped_column(String(24))
    investigation_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # When the claim became complete (all documents in): starts the statutory clock.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One timestamp per state: the latest time the claim entered it.
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    awaiting_documents_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    under_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    investigating_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coverage_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    partially_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    denied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Personal free text erased when the retention period ended (customers/retention.py).
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    policy: Mapped[Policy] = relationship()
    loss_lines: Mapped[list[LossLine]] = relationship(
        back_populates="claim", order_by="LossLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ClaimEvent]] = relationship(
        back_populates="claim", order_by="ClaimEvent.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="claim", order_by="Payment.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a dict

    def enter(self, status: ClaimStatus, at: datetime) -> None:
        self.status = status
        setattr(self, f"{status.value}_at", at)

    # ------------------------------------------------------------ intake

    @classmethod
    def report(
        cls,
        *,
        policy: Policy,
        actor: Actor,
        data: ClaimIn,
        today: date,
        now: datetime,
        attribute_schema: ProductAttributes | None,
    ) -> Claim:
        """A new claim (first notice of loss) on ``policy``, after the intake checks: the
        claimant is covered, the incident happened while in force and not in the future,
        the type is a coverage, the currency the policy's, the attributes valid, the loss
        lines add up, the channel right for who reports. Numbered by :meth:`registered`."""
        product = policy.product
        coverages = [c.code for c in product.coverages]
        claimant_id = (
            (actor.customer_id or 0)
            if actor.is_customer
            else (data.customer_id or policy.holder_id)
        )
        rules.check_claimant(
            covered=policy.covers_person(claimant_id),
            claimant_id=claimant_id,
            policy_number=policy.number,
        )
        rules.check_incident_date(
            incident_date=data.incident_date,
            today=today,
            in_force=policy.in_force_on(data.incident_date),
            policy_number=policy.number,
            cover=(policy.start_date, policy.end_date),
            policy_status=policy.status,
        )
        rules.check_claim_type(data.claim_type, coverages=coverages, product_name=product.name_en)
        rules.check_currency(data.currency, policy_currency=policy.currency)
        attributes = attributes_rules.derive_claim_attributes(
            attribute_schema,
            attributes_rules.validate_attributes(
                attribute_schema, "claim", data.attributes, field="attributes"
            ),
            policy_start=policy.start_date,
            incident_date=data.incident_date,
        )
        lines = data.loss_lines or [
            LossLineIn(description=data.description[:256], amount=data.claimed_amount)
        ]
        rules.check_claimed_lines((line.amount for line in lines), claimed=data.claimed_amount)
        rules.check_line_coverages((line.coverage_code for line in lines), coverages=coverages)
        return cls(
            number=temporary_number(),
            policy=policy,
            customer_id=claimant_id,
            claim_type=data.claim_type,
            channel=rules.intake_channel(is_customer=actor.is_customer, requested=data.channel),
            incident_date=data.incident_date,
            incident_location=data.incident_location,
            description=data.description,
            claimed_amount=data.claimed_amount,
            currency=data.currency,
            status=ClaimStatus.REPORTED,
            reported_by_id=actor.user_id,
            bank_account_id=data.bank_account_id,
            attributes=attributes,
            reported_at=now,
            loss_lines=LossLine.from_input(lines, data.claim_type, "claimant"),
            events=[],
            payments=[],
        )

    def registered(self, actor: Actor, *, today: date, now: datetime) -> ClaimReported:
        """Number the reported claim once it has its id, and open its timeline."""
        self.number = f"CLM{today:%Y%m%d}{self.id:07d}"
        self.record(
            actor,
            now,
            kind="reported",
            to_status=ClaimStatus.REPORTED,
            data={"channel": self.channel, "claimed_amount": str(self.claimed_amount)},
        )
        return ClaimReported(claim_id=self.id, actor=actor, at=now)

    # ------------------------------------------------------------ lifecycle

    def check_version(self, expected: int | None) -> None:
        if expected is not None and expected != self.version:
            raise StaleVersion(
                f"Claim {self.number} changed since version {expected} "
                f"(now {self.version}); reload it and try again."
            )

    def check_step(
        self, command: TransitionIn, role: Role, *, explained: bool = False
    ) -> tuple[Transition[ClaimStatus, ClaimAction], InvestigationOutcome | None]:
        """The transition ``command`` takes from the current state (or a typed error), and
        the investigation outcome it records (``explained``: the system's message stands
        for the reason)."""
        source = ClaimStatus(self.status)
        step = machine.check_transition(
            source, command.action, role, command.reason, explained=explained
        )
        outcome = outcomes.check_outcome(
            outcome=command.investigation_outcome, action=command.action, source=source
        )
        return step, outcome

    def apply(
        self,
        command: TransitionIn,
        *,
        actor: Actor,
        now: datetime,
        facts: DecisionFacts,
        limits: Limits,
        payment_key: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> list[ClaimEventType]:
        """Take one lifecycle action: the guards, the effects on the claim, the new state.
        Returns what happened, in order, ending with :class:`ClaimTransitioned` (and
        :class:`InvestigationClosed` when an investigation ended)."""
        step, outcome = self.check_step(command, actor.role, explained=message is not None)
        source = ClaimStatus(self.status)
        change = _Change(command, actor, now, facts, limits)
        if payment_key is not None:
            change.data["payment_key"] = payment_key
        if message is not None:  # what the system says of the step (claimdesk.core.messages)
            change.data[MESSAGE] = message
        effect = _EFFECTS.get(command.action)
        target = (effect(self, change) if effect else None) or ClaimStatus(step.target)
        if outcome is not None:
            self.investigation_outcome = outcome
            self.investigation_closed_at = now
            change.data["investigation_outcome"] = str(outcome)
        self.enter(target, now)
        change.events.append(
            ClaimTransitioned(
                claim_id=self.id,
                action=command.action,
                from_status=source,
                to_status=target,
                actor=actor,
                at=now,
                reason=command.reason,
                data=change.data,
            )
        )
        if outcome is not None:
            change.events.append(
                InvestigationClosed(
                    claim_id=self.id,
                    outcome=outcome,
                    action=command.action,
                    reason=command.reason,
                    actor=actor,
                    at=now,
                )
            )
        return change.events

    def clear_evidence(
        self,
        *,
        actor: Actor,
        now: datetime,
        action: str,
        amount: Decimal,
        waive: Sequence[str],
        reason: str | None,
        evidence: Completeness,
        required: Sequence[str],
        waiver_roles: Collection[str],
    ) -> DocumentsWaived | None:
        """The evidence guard of every money action (approve, pay, advance payment): every
        required document read and consistent, or waived by a role with waiver authority
        (recorded on the timeline). Returns the waiver this request made, if any."""
        waived: DocumentsWaived | None = None
        if waive:
            kinds = list(dict.fromkeys(waive))
            rules.check_waiver(
                role=actor.role,
                waiver_roles=waiver_roles,
                kinds=kinds,
                required=required,
                reason=reason,
            )
            self.waived_documents = sorted({*self.waived_documents, *kinds})
            self.evidence_waived_at = now
            self.record(
                actor,
                now,
                kind=DOCUMENTS_WAIVED,
                to_status=None,
                reason=reason,
                data={"kinds": kinds, "action": action, "amount": f"{amount:.2f}"},
            )
            waived = DocumentsWaived(
                claim_id=self.id,
                kinds=tuple(kinds),
                action=action,
                amount=amount,
                reason=reason,
                actor=actor,
                at=now,
            )
        gaps = rules.evidence_gaps(evidence, required=required, waived=self.waived_documents)
        rules.require_evidence(gaps, action=action)
        return waived

    def record(
        self,
        actor: Actor,
        now: datetime,
        *,
        kind: str,
        to_status: ClaimStatus | None,
        from_status: ClaimStatus | None = None,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Append an entry to the claim's timeline (who, when, what, why)."""
        self.events.append(
            ClaimEvent.by(
                actor,
                now,
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                data=data,
            )
        )

    def effective_loss_lines(self) -> list[LossLine]:
        """The assessor's lines once the claim is assessed, else the claimant's."""
        assessed = [line for line in self.loss_lines if line.source == "assessor"]
        return assessed or [line for line in self.loss_lines if line.source == "claimant"]

    # ------------------------------------------------------------ effects of the actions

    def _on_request_documents(self, change: _Change) -> None:
        self.completed_at = None
        change.data["documents"] = change.command.documents

    def _on_documents_complete(self, change: _Change) -> None:
        if change.command.action == ClaimAction.SUBMIT_DOCUMENTS:
            gaps = rules.submission_gaps(change.evidence, required=change.facts.required_documents)
            rules.require_evidence(gaps, action="submit_documents")
        if self.completed_at is None:
            self.completed_at = change.now

    def _on_refer_to_siu(self, _change: _Change) -> None:
        self.siu_referred = True

    def _on_assess(self, change: _Change) -> None:
        rules.check_assessor(siu_referred=self.siu_referred, role=change.actor.role)
        lines = change.command.loss_lines
        if lines is not None:
            if not lines:
                raise ValidationFailed("An assessment needs at least one loss line.")
            rules.check_line_coverages(
                (line.coverage_code for line in lines),
                coverages=[c.code for c in self.policy.product.coverages],
            )
            self.loss_lines = [line for line in self.loss_lines if line.source != "assessor"]
            self.loss_lines.extend(LossLine.from_input(lines, self.claim_type, "assessor"))
        self.assessed_amount = sum(
            (line.amount for line in self.effective_loss_lines()), Decimal("0")
        )
        self.assessor_id = change.actor.user_id
        change.data["assessed_amount"] = str(self.assessed_amount)
        change.events.append(
            ClaimAssessed(
                claim_id=self.id, amount=self.assessed_amount, actor=change.actor, at=change.now
            )
        )

    def _take_payout(self, change: _Change) -> Decimal:
        result = change.facts.payout
        if result is None:
            raise TypeError(f"'{change.command.action}' needs the payout calculated now")
        self.payout = result.to_dict()
        self.payable_amount = result.total_payable
        return result.total_payable

    def _on_verify_coverage(self, change: _Change) -> None:
        change.data["payable_amount"] = str(self._take_payout(change))

    def _on_approve(self, change: _Change) -> ClaimStatus:
        actor, command, limits = change.actor, change.command, change.limits
        verified = self.payable_amount
        payable = self._take_payout(change)  # other claims may have been approved since
        if payable != verified:
            change.data["recalculated"] = {"verified": str(verified), "payable": str(payable)}
        rules.check_payable(payable)
        rules.check_four_eyes(actor.user_id, self.assessor_id)
        rules.check_authority(actor.role, payable, limits.authority_limits)
        rules.check_high_risk_approval(
            grade=change.facts.risk_grade,
            cleared_by_siu=any(
                e.kind == ClaimAction.ASSESS and e.actor_role == Role.INVESTIGATOR
                for e in self.events
            ),
            role=actor.role,
            reason=command.reason,
        )
        self._require_evidence(change, payable)
        reasons = change.facts.field_investigation_reasons
        if rules.check_field_investigation(
            reasons=reasons,
            statuses=change.facts.field_investigation_statuses,
            waive=command.waive_field_investigation,
            role=actor.role,
            waiver_roles=limits.waiver_roles,
            reason=command.reason,
        ):
            change.events.append(
                FieldInvestigationWaived(
                    claim_id=self.id,
                    reasons=reasons,
                    reason=command.reason,
                    actor=actor,
                    at=change.now,
                )
            )
        self.approved_amount = max(payable, self.paid_amount)
        self.approved_payout = self.payout
        self.approver_id = actor.user_id
        self.decided_at = change.now
        self.decision_reason = command.reason
        change.data["approved_amount"] = str(self.approved_amount)
        change.events.append(
            ClaimApproved(claim_id=self.id, amount=self.approved_amount, actor=actor, at=change.now)
        )
        return rules.decision_status(payable, self.claimed_amount)

    def _on_approve_award(self, change: _Change) -> ClaimStatus:
        """Approve a dispute's award exactly as awarded (not through the payout formula
        again): the settled dispute is the evidence, named on the timeline and in the ledger."""
        dispute_id, dispute = change.command.dispute_id, change.facts.award
        applied = any(
            e.kind == ClaimAction.APPROVE_AWARD and e.data.get("dispute_id") == dispute_id
            for e in self.events
        )
        award = rules.check_award(
            claim_id=self.id,
            dispute_id=dispute_id,
            dispute_claim_id=dispute.claim_id if dispute else None,
            settled=dispute is not None and dispute.settled,
            outcome=dispute.outcome if dispute else None,
            amount=dispute.amount if dispute else None,
            applied=applied,
        )
        assert dispute is not None  # check_award refused otherwise
        self.approved_amount += award
        self.approver_id = change.actor.user_id
        self.decided_at = change.now
        self.decision_reason = change.command.reason or self.decision_reason
        evidence = {
            "dispute_id": dispute.dispute_id,
            "stage": dispute.stage,
            "award": f"{award:.2f}",
        }
        change.data.update(evidence, approved_amount=str(self.approved_amount))
        change.events.append(
            ClaimApproved(
                claim_id=self.id,
                amount=self.approved_amount,
                actor=change.actor,
                at=change.now,
                award=evidence,
            )
        )
        return ClaimStatus.APPROVED

    def _on_deny(self, change: _Change) -> None:
        self.decided_at = change.now
        self.decision_reason = change.command.reason

    def _on_pay(self, change: _Change) -> ClaimStatus:
        command, actor = change.command, change.actor
        amount = command.amount or self.outstanding_amount
        rules.check_payment_amount(amount, outstanding=self.outstanding_amount)
        if amount == 0:
            # Re-approved at no more than was already paid: settled, nothing to transfer.
            change.data["note"] = "nothing outstanding"  # the payment_key stays, for replays
            return ClaimStatus.PAID
        account_id = command.bank_account_id or self.bank_account_id
        if account_id is None:
            raise ValidationFailed("No payee bank account on the claim; give bank_account_id.")
        payee = (
            change.facts.payee
            if change.facts.payee and change.facts.payee.id == account_id
            else None
        )
        rules.check_payee_owner(
            account_id=account_id,
            owner_id=payee.customer_id if payee else None,
            claim_customer_ids=(self.customer_id, self.policy.holder_id),
        )
        assert payee is not None  # check_payee_owner refused otherwise
        rules.check_segregation(
            approver_id=self.approver_id,
            payer_id=actor.user_id,
            amount=amount,
            threshold=change.limits.segregation_threshold,
        )
        self._require_evidence(change, amount)
        rules.check_payee_verified(account_id=payee.id, verified=payee.verified)
        self.bank_account_id = payee.id
        payment = Payment(
            idempotency_key=change.data.pop("payment_key"),
            reference=f"PAY{self.number}-{len(self.payments) + 1:02d}",
            amount=amount,
            currency=self.currency,
            bank_account_id=payee.id,
            paid_by_id=actor.user_id,
            paid_at=change.now,
        )
        self.payments.append(payment)
        self.paid_amount += amount
        change.data.update(reference=payment.reference, amount=str(amount))
        change.events.append(
            PaymentIssued(
                claim_id=self.id,
                reference=payment.reference,
                amount=amount,
                bank_account_id=payee.id,
                actor=actor,
                at=change.now,
            )
        )
        return ClaimStatus.PAID if self.outstanding_amount == 0 else ClaimStatus(self.status)

    def _require_evidence(self, change: _Change, amount: Decimal) -> None:
        waived = self.clear_evidence(
            actor=change.actor,
            now=change.now,
            action=str(change.command.action),
            amount=amount,
            waive=change.command.waive_documents,
            reason=change.command.reason,
            evidence=change.evidence,
            required=change.facts.required_documents,
            waiver_roles=change.limits.waiver_roles,
        )
        if waived is not None:
            change.data["waived_documents"] = list(waived.kinds)
            change.events.append(waived)

    def _on_close(self, change: _Change) -> None:
        self.closing_feedback = change.command.feedback

    def _on_reopen(self, _change: _Change) -> None:
        self.completed_at = None
        self.decided_at = None

    @property
    def outstanding_amount(self) -> Decimal:
        # Never negative: an advance payment (art. 25) is paid before anything is approved.
        outstanding = self.approved_amount - self.paid_amount
        return outstanding if outstanding >= 0 else Decimal("0.00")

    @property
    def incurred_amount(self) -> Decimal:
        """Paid so far plus the outstanding case reserve."""
        return self.paid_amount + self.reserve_amount


class LossLine(Base):
    """One itemised loss: claimed by the customer, or set by the assessor."""

    __tablename__ = "loss_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    coverage_code: Mapped[str] = mapped_column(String(32))
    # Encrypted at rest; the keyed hash (whitespace and case ignored) finds equal texts on
    # other claims (fraud's shared loss lines) without reading them.
    description: Mapped[str] = mapped_column(EncryptedText(context="loss_lines.description"))
    description_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    cause_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="claimant")

    claim: Mapped[Claim] = relationship(back_populates="loss_lines")

    @classmethod
    def from_input(
        cls, lines: Sequence[LossLineIn], default_coverage: str, source: str
    ) -> list[LossLine]:
        """Lines as given (claimant at intake, assessor at assessment): text tidied, causes
        sorted, the claim type's coverage when none is named."""
        return [
            cls(
                coverage_code=line.coverage_code or default_coverage,
                description=" ".join(line.description.split()),
                amount=line.amount,
                cause_codes=sorted(set(line.cause_codes)),
                source=source,
            )
            for line in lines
        ]

    @validates("description")
    def _hash_description(self, _key: str, value: str) -> str:
        self.description_hash = description_hash(value)
        return value


def description_hash(text: str) -> str:
    """The keyed hash of a loss line's text, to find the same text on other claims."""
    return search_hash(text, purpose="loss_lines.description")


class ClaimEvent(HistoryEntry, Base):
    """The claim's timeline: who did what, when, and why."""

    __tablename__ = "claim_events"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)

    claim: Mapped[Claim] = relationship(back_populates="events")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("claim_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)

    claim: Mapped[Claim] = relationship(back_populates="payments")


class IdempotencyRecord(Base):
    """Remembers a request made with an Idempotency-Key so a retry gets the same result."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(128))
    request_digest: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClaimReserve(Base):
    """One step of a claim's case reserve: set at report, changed by a handler (with a
    reason), lowered by a payment, released when the claim ends, set again at reopening."""

    __tablename__ = "claim_reserves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    previous_amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StatutoryClock(Base):
    """One statutory clock of a claim (PRC Insurance Law arts. 23-25): when it started, when
    it warns and falls due on the business calendar, and when it was met.

    ``next_check_at`` is the next moment the sweep has work for this clock (a warning, a
    breach); NULL once it is stopped or breached and escalated. ``provisional`` marks a
    period that touches a year the holiday package does not know (weekends-only rule).
    """

    __tablename__ = "statutory_clocks"
    __table_args__ = (UniqueConstraint("claim_id", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    rule: Mapped[str] = mapped_column(String(24))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class FeedRecord(Base):
    """A record loaded from a partner or legacy feed (bordereau): the feed's key of a policy
    or a claim and the ClaimDesk record made from it, so a re-run creates nothing twice."""

    __tablename__ = "feed_records"
    __table_args__ = (UniqueConstraint("product_code", "kind", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # policy | claim
    ref: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    request_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FieldInvestigation(Base):
    """A field investigation of a claim: a task with an assignee, a due date, and when done
    its findings and outcome (``open`` -> ``completed``, or ``waived`` by a supervisor)."""

    __tablename__ = "field_investigations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    instructions: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waive_reason: Mapped[str | None] = mapped_column(Text)


@dataclass
class _Change:
    """One lifecycle step in progress: the command, who, when, what it reads, and what it
    has decided so far (timeline data, events)."""

    command: TransitionIn
    actor: Actor
    now: datetime
    facts: DecisionFacts
    limits: Limits
    data: dict[str, Any] = field(default_factory=dict)
    events: list[ClaimEventType] = field(default_factory=list)

    @property
    def evidence(self) -> Completeness:
        if self.facts.evidence is None:
            raise TypeError(f"'{self.command.action}' needs the claim's documents read")
        return self.facts.evidence


_EFFECTS: dict[ClaimAction, Callable[[Claim, _Change], ClaimStatus | None]] = {
    ClaimAction.REQUEST_DOCUMENTS: Claim._on_request_documents,
    ClaimAction.SUBMIT_DOCUMENTS: Claim._on_documents_complete,
    ClaimAction.START_REVIEW: Claim._on_documents_complete,
    ClaimAction.REFER_TO_SIU: Claim._on_refer_to_siu,
    ClaimAction.ASSESS: Claim._on_assess,
    ClaimAction.VERIFY_COVERAGE: Claim._on_verify_coverage,
    ClaimAction.APPROVE: Claim._on_approve,
    ClaimAction.APPROVE_AWARD: Claim._on_approve_award,
    ClaimAction.DENY: Claim._on_deny,
    ClaimAction.PAY: Claim._on_pay,
    ClaimAction.CLOSE: Claim._on_close,
    ClaimAction.REOPEN: Claim._on_reopen,
}
