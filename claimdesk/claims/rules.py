"""Pure business rules of a claim decision: authority, four-eyes, evidence before money,
waivers, high-risk approval, payee verification, segregation of duties, statutory clock,
cycle time."""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources

from claimdesk.claims.enums import SELF_SERVICE_CHANNELS, Channel, ClaimStatus
from claimdesk.claims.payout import PayoutResult
from claimdesk.core.calendar import working_days_between
from claimdesk.core.clock import local_date
from claimdesk.core.errors import (
    Conflict,
    EvidenceMissing,
    FieldInvestigationOpen,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from claimdesk.documents.checklists import template
from claimdesk.documents.rules import Completeness, is_insured_name
from claimdesk.security.enums import Role


def check_authority(role: Role, amount: Decimal, limits: Mapping[str, Decimal | None]) -> None:
    """Refuse an approval above the role's limit (a missing role has no authority at all)."""
    if role not in limits:
        raise PermissionDenied(f"The role '{role}' has no authority to approve claims.")
    limit = limits[role]
    if limit is not None and amount > limit:
        raise PermissionDenied(
            f"Approving {amount:,.2f} exceeds the '{role}' authority limit of {limit:,.2f}; "
            "refer the claim to a colleague with higher authority."
        )


def check_four_eyes(approver_id: int | None, assessor_id: int | None) -> None:
    if approver_id is not None and approver_id == assessor_id:
        raise PermissionDenied(
            "Four-eyes rule: you assessed this claim, so another person must approve it."
        )


def decision_status(payable: Decimal, claimed: Decimal) -> ClaimStatus:
    return ClaimStatus.APPROVED if payable >= claimed else ClaimStatus.PARTIALLY_APPROVED


@dataclass(frozen=True)
class StatutoryClock:
    """Insurance Law: decide within N days of the claim becoming complete."""

    state: str  # not_started, on_track, due_soon, overdue, met, late
    due_at: datetime | None
    days_left: int | None


def statutory_clock(
    *,
    completed_at: datetime | None,
    decided_at: datetime | None,
    now: datetime,
    decision_days: int,
    warning_days: int,
) -> StatutoryClock:
    if completed_at is None:
        return StatutoryClock("not_started", None, None)
    due_at = completed_at + timedelta(days=decision_days)
    if decided_at is not None and decided_at >= completed_at:
        return StatutoryClock("met" if decided_at <= due_at else "late", due_at, None)
    days_left = (due_at - now).days
    if now > due_at:
        state = "overdue"
    elif due_at - now <= timedelta(days=warning_days):
        state = "due_soon"
    else:
        state = "on_track"
    return StatutoryClock(state, due_at, days_left)


def cycle_working_days(reported_at: datetime, until: datetime, timezone: str) -> int:
    """Working days from report to ``until`` (close, or now for an open claim)."""
    return working_days_between(local_date(reported_at, timezone), local_date(until, timezone))


# ---------------------------------------------------------------- dispute awards


def check_award(
    *,
    claim_id: int,
    dispute_id: int | None,
    dispute_claim_id: int | None,
    settled: bool,
    outcome: str | None,
    amount: Decimal | None,
    applied: bool,
) -> Decimal:
    """The amount a dispute awarded, to approve as awarded: the dispute is one of this
    claim's, settled with an extra payment of an amount, and its award not yet approved."""
    if dispute_id is None:
        raise ValidationFailed(
            "Name the settled dispute whose award is approved (dispute_id). "
            "请指明裁决所属的争议（dispute_id）。",
            details=[{"field": "dispute_id"}],
        )
    if dispute_claim_id != claim_id:
        raise ValidationFailed(
            f"Dispute {dispute_id} is not a dispute of this claim. 该争议不属于本案。",
            details=[{"field": "dispute_id"}],
        )
    if not settled or outcome != "extra_payment" or amount is None or amount <= 0:
        raise Conflict(
            f"Dispute {dispute_id} was not settled with an award of an extra payment; "
            "settle it first. 该争议尚未以追加赔付结案。"
        )
    if applied:
        raise Conflict(
            f"The award of dispute {dispute_id} was already approved. 该裁决金额已批准。"
        )
    return amount


# ---------------------------------------------------------------- evidence before money


@dataclass(frozen=True)
class EvidenceGap:
    """A required document that keeps money from moving: missing, still being read,
    unreadable, or read with a field that disagrees with the claim."""

    kind: str
    problem: str  # missing, pending, unreadable, mismatched, amount_differs
    message_en: str
    message_zh: str
    document_id: int | None = None

    def as_detail(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "problem": self.problem,
            "document_id": self.document_id,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
        }


def evidence_gaps(
    completeness: Completeness, *, required: Sequence[str], waived: Collection[str] = ()
) -> list[EvidenceGap]:
    """Every required kind (not waived) without a read document, and every read document
    of a required kind whose fields disagree with the claim."""
    gaps: list[EvidenceGap] = []
    for kind in required:
        if kind in waived:
            continue
        name = template(kind)
        if kind not in completeness.present:
            pending = [d for d in completeness.pending if d.kind == kind]
            unreadable = [d for d in completeness.unreadable if d.kind == kind]
            if pending:
                gaps.append(
                    EvidenceGap(
                        kind,
                        "pending",
                        f"{name.name_en}: '{pending[0].filename}' is still being read.",
                        f"{name.name_zh}：“{pending[0].filename}”正在识别中。",
                        pending[0].id,
                    )
                )
            elif unreadable:
                gaps.append(
                    EvidenceGap(
                        kind,
                        "unreadable",
                        f"{name.name_en}: '{unreadable[0].filename}' could not be read.",
                        f"{name.name_zh}：“{unreadable[0].filename}”无法识别。",
                        unreadable[0].id,
                    )
                )
            else:
                gaps.append(
                    EvidenceGap(
                        kind,
                        "missing",
                        f"{name.name_en} is missing.",
                        f"缺少{name.name_zh}。",
                    )
                )
        gaps.extend(
            EvidenceGap(kind, "mismatched", m.message_en, m.message_zh, m.document_id)
            for m in completeness.mismatched
            if m.kind == kind
        )
    return gaps


def submission_gaps(completeness: Completeness, *, required: Sequence[str]) -> list[EvidenceGap]:
    """What keeps a claim from going back to review: kinds missing, still being read or
    unreadable. A mismatch is for a person to review; it blocks only the money."""
    gaps = evidence_gaps(completeness, required=required)
    return [gap for gap in gaps if gap.problem != "mismatched"]


def require_evidence(gaps: Sequence[EvidenceGap], *, action: str) -> None:
    """Refuse (409 ``evidence_missing``) an action that moves money while gaps remain."""
    if not gaps:
        return
    kinds_en = ", ".join(f"{g.kind} ({g.problem})" for g in gaps)
    kinds_zh = "；".join(g.message_zh for g in gaps)
    raise EvidenceMissing(
        f"Cannot {action}: the claim's required documents are not all read and consistent: "
        f"{kinds_en}. Upload them, or a person with waiver authority may waive them with a "
        f"reason. 无法{_ACTION_ZH.get(action, action)}：所需材料不齐或与报案不符：{kinds_zh}",
        details=[g.as_detail() for g in gaps],
    )


_ACTION_ZH = {"approve": "核赔", "pay": "支付", "submit_documents": "提交审核"}


def check_waiver(
    *,
    role: Role,
    waiver_roles: Collection[str],
    kinds: Sequence[str],
    required: Sequence[str],
    reason: str | None,
) -> None:
    """A waiver names required kinds, comes from a role with waiver authority and says why."""
    if role not in waiver_roles:
        raise PermissionDenied(
            f"The role '{role}' may not waive documents; roles that may: "
            f"{', '.join(sorted(waiver_roles))}. 该角色无权免除材料。"
        )
    unknown = [kind for kind in kinds if kind not in required]
    if unknown:
        raise ValidationFailed(
            f"Only required documents can be waived; not required here: {', '.join(unknown)} "
            f"(required: {', '.join(required)}). 只能免除本案所需的材料。",
            details=[{"field": "waive_documents", "kinds": unknown}],
        )
    if not (reason or "").strip():
        raise ValidationFailed(
            "A waiver needs a reason (why the documents are not needed). 免除材料须说明理由。",
            details=[{"field": "reason"}],
        )


# ---------------------------------------------------------------- high risk, payee, duties

HIGH_RISK_GRADES = frozenset({"high", "critical"})


def check_high_risk_approval(
    *, grade: str | None, cleared_by_siu: bool, role: Role, reason: str | None
) -> None:
    """A claim graded high or critical is approved only after an SIU investigator cleared it
    (assessed it), or by a supervisor who says why."""
    if grade not in HIGH_RISK_GRADES or cleared_by_siu:
        return
    if role == Role.SUPERVISOR and (reason or "").strip():
        return
    raise PermissionDenied(
        f"This claim is graded {grade} risk: an SIU investigator must clear it (assess it) "
        "first, or a supervisor may approve it giving a reason. "
        "该案件风险等级高：须经反欺诈调查员核查，或由主管说明理由后核赔。"
    )


def check_payee_verified(*, account_id: int, verified: bool) -> None:
    if not verified:
        raise ValidationFailed(
            f"Bank account {account_id} is not verified: a second member of staff (not the "
            "one who added it) must verify it, or the claim's bank account proof must be read "
            "and show its number and holder. 收款账户未经核实：须由另一名工作人员核实，"
            "或上传并识别与之相符的银行卡或账户证明。",
            details=[{"field": "bank_account_id", "problem": "unverified"}],
        )


def check_segregation(
    *, approver_id: int | None, payer_id: int | None, amount: Decimal, threshold: Decimal
) -> None:
    """The approver of a claim does not also release its payments above the threshold."""
    if approver_id is None or approver_id != payer_id or amount <= threshold:
        return
    raise PermissionDenied(
        f"Segregation of duties: you approved this claim, so another person must release "
        f"payments above {threshold:,.2f} (this one is {amount:,.2f}). "
        f"职责分离：核赔人不得支付超过{threshold:,.2f}的赔款，请由他人支付。"
    )


def check_bank_proof(
    *,
    proof_number: str | None,
    proof_holder: str | None,
    account_number: str,
    holder_names: Sequence[str],
) -> bool:
    """A read bank proof verifies an account when its number is the account's (digits only)
    and its holder is the account holder."""
    digits = "".join(c for c in (proof_number or "") if c.isdigit())
    if not digits or digits != "".join(c for c in account_number if c.isdigit()):
        return False
    return bool(proof_holder) and is_insured_name(proof_holder or "", holder_names)


# ---------------------------------------------------------------- straight-through evidence


@dataclass(frozen=True)
class StpEvidenceRule:
    """What a claim type must have read before it is paid with no person."""

    read: tuple[str, ...]
    invoice_kinds: tuple[str, ...]
    amount_tolerance: Decimal


@cache
def stp_evidence_rules() -> dict[str, StpEvidenceRule]:
    text = resources.files("claimdesk.claims").joinpath("stp_evidence.toml").read_text("utf-8")
    return parse_stp_evidence(text)


def parse_stp_evidence(toml_text: str) -> dict[str, StpEvidenceRule]:
    data = tomllib.loads(toml_text)
    default_tolerance = Decimal(str(data.get("amount_tolerance", "0")))
    return {
        claim_type: StpEvidenceRule(
            read=tuple(entry["read"]),
            invoice_kinds=tuple(entry.get("invoice", ())),
            amount_tolerance=Decimal(str(entry.get("amount_tolerance", default_tolerance))),
        )
        for claim_type, entry in data["claim_types"].items()
    }


def stp_evidence_gaps(
    rule: StpEvidenceRule | None,
    completeness: Completeness,
    *,
    claimed: Decimal,
) -> list[EvidenceGap]:
    """What keeps a claim from straight-through payment: no rule for its type, a kind not
    read (or read with a mismatch), or invoices that do not add up to the loss lines."""
    if rule is None:
        return [
            EvidenceGap(
                "*",
                "no_stp_rule",
                "This claim type has no straight-through evidence rule; a person decides.",
                "该险种未配置自动理赔材料规则，须人工处理。",
            )
        ]
    gaps = evidence_gaps(completeness, required=rule.read)
    if rule.invoice_kinds:
        invoiced = completeness.invoiced_total
        if invoiced <= 0 or abs(invoiced - claimed) > claimed * rule.amount_tolerance:
            gaps.append(
                EvidenceGap(
                    rule.invoice_kinds[0],
                    "amount_differs",
                    f"The invoices read add up to {invoiced:,.2f}; the loss lines to "
                    f"{claimed:,.2f} (tolerance {rule.amount_tolerance:.0%}).",
                    f"已识别发票合计{invoiced:,.2f}，损失明细合计{claimed:,.2f}，超出允许差额。",
                )
            )
    return gaps


# ---------------------------------------------------------------- referral for approval


def check_referral(
    *,
    referrer_id: int | None,
    target_id: int,
    target_role: str | None,
    target_active: bool,
    assessor_id: int | None,
    amount: Decimal,
    limits: Mapping[str, Decimal | None],
) -> None:
    """A claim is referred for approval to an active colleague (not oneself, not its
    assessor: four-eyes) whose role may approve the amount; otherwise 422 naming why."""

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(message, details=[{"field": "to_user_id"}])

    if target_role is None or not target_active or target_role == Role.CUSTOMER:
        raise refuse(f"User {target_id} is not an active member of staff. 该用户不是在职员工。")
    if target_id == referrer_id:
        raise refuse("Refer the claim to someone else, not to yourself. 不能转给自己。")
    if target_id == assessor_id:
        raise refuse(
            f"User {target_id} assessed this claim, so may not approve it (four-eyes). "
            "核定人不得审批本案（双人复核）。"
        )
    if target_role not in limits:
        raise refuse(
            f"User {target_id} ({target_role}) has no authority to approve claims. "
            "该用户无核赔权限。"
        )
    limit = limits[target_role]
    if limit is not None and amount > limit:
        raise refuse(
            f"User {target_id} ({target_role}) may approve up to {limit:,.2f}; this claim "
            f"needs {amount:,.2f}. Refer it to someone with higher authority. "
            f"该用户核赔权限为{limit:,.2f}，本案需{amount:,.2f}，请转给权限更高的人。"
        )


# ---------------------------------------------------------------- field investigation


@dataclass(frozen=True)
class FieldInvestigationRule:
    """When routing sends a claim to field investigation (field_investigation.toml)."""

    default_threshold: Decimal
    thresholds: Mapping[str, Decimal]
    complex_cause_codes: frozenset[str]
    complex_min_loss_lines: int

    def threshold(self, claim_type: str) -> Decimal:
        return self.thresholds.get(claim_type, self.default_threshold)


@cache
def field_investigation_rule() -> FieldInvestigationRule:
    text = (
        resources.files("claimdesk.claims").joinpath("field_investigation.toml").read_text("utf-8")
    )
    return parse_field_investigation(text)


def parse_field_investigation(toml_text: str) -> FieldInvestigationRule:
    data = tomllib.loads(toml_text)
    return FieldInvestigationRule(
        default_threshold=Decimal(str(data["default_threshold"])),
        thresholds={k: Decimal(str(v)) for k, v in data.get("thresholds", {}).items()},
        complex_cause_codes=frozenset(data.get("complex_cause_codes", ())),
        complex_min_loss_lines=int(data.get("complex_min_loss_lines", 0)) or 10**9,
    )


def field_investigation_reasons(
    rule: FieldInvestigationRule,
    *,
    claim_type: str,
    amount: Decimal,
    cause_codes: Collection[str],
    loss_lines: int,
) -> list[str]:
    """Why routing sends the claim to field investigation (empty: it does not):
    ``large_amount``, ``complex_cause``, ``many_loss_lines``."""
    reasons = []
    if amount >= rule.threshold(claim_type):
        reasons.append("large_amount")
    if rule.complex_cause_codes & set(cause_codes):
        reasons.append("complex_cause")
    if loss_lines >= rule.complex_min_loss_lines:
        reasons.append("many_loss_lines")
    return reasons


FIELD_INVESTIGATION_DONE = frozenset({"completed", "waived"})


def field_investigation_pending(*, reasons: Sequence[str], statuses: Collection[str]) -> bool:
    """Routing requires a field investigation and none is completed or waived yet."""
    return bool(reasons) and not FIELD_INVESTIGATION_DONE & set(statuses)


def check_field_investigation(
    *,
    reasons: Sequence[str],
    statuses: Collection[str],
    waive: bool,
    role: Role,
    waiver_roles: Collection[str],
    reason: str | None,
) -> bool:
    """Refuse (409 ``field_investigation_open``) approving a claim routed to field
    investigation before one is completed, unless a role with waiver authority waives it
    with a reason. Returns whether this approval waives it."""
    if not field_investigation_pending(reasons=reasons, statuses=statuses):
        return False
    if waive:
        if role not in waiver_roles:
            raise PermissionDenied(
                f"The role '{role}' may not waive a field investigation; roles that may: "
                f"{', '.join(sorted(waiver_roles))}. 该角色无权免除现场调查。"
            )
        if not (reason or "").strip():
            raise ValidationFailed(
                "Waiving the field investigation needs a reason. 免除现场调查须说明理由。",
                details=[{"field": "reason"}],
            )
        return True
    state_en = "is still open" if "open" in statuses else "has not been opened"
    state_zh = "尚未完成" if "open" in statuses else "尚未启动"
    raise FieldInvestigationOpen(
        f"This claim needs a field investigation ({', '.join(reasons)}) that {state_en}: "
        "complete it with findings and an outcome before approving, or a supervisor may "
        f"waive it giving a reason. 本案须经现场调查（{state_zh}），完成后方可核赔，"
        "或由主管说明理由后免除。",
        details=[{"reasons": list(reasons), "statuses": sorted(statuses)}],
    )


# ---------------------------------------------------------------- intake (first notice of loss)


def intake_channel(*, is_customer: bool, requested: Channel | None) -> Channel:
    """Customers report through a self-service channel (web by default); staff name the
    channel the customer used."""
    if is_customer:
        channel = requested or Channel.WEB
        if channel not in SELF_SERVICE_CHANNELS:
            raise ValidationFailed(
                f"Customers report claims through web, app or api, not '{channel}'."
            )
        return channel
    if requested is None:
        raise ValidationFailed(
            "Staff intake must say the channel the customer used: counter, phone, web, app or api."
        )
    return requested


def check_claimant(*, covered: bool, claimant_id: int | None, policy_number: str) -> None:
    if not covered:
        raise ValidationFailed(
            f"Customer {claimant_id} is neither the holder nor an insured person "
            f"of policy {policy_number}.",
            details=[{"field": "customer_id"}],
        )


def check_incident_date(
    *,
    incident_date: date,
    today: date,
    in_force: bool,
    policy_number: str,
    cover: tuple[date, date],
    policy_status: str,
) -> None:
    """The incident happened (not in the future) while the policy was in force."""
    if incident_date > today:
        raise ValidationFailed(
            f"The incident date {incident_date} is in the future; give the date it happened.",
            details=[{"field": "incident_date"}],
        )
    if not in_force:
        raise ValidationFailed(
            f"Policy {policy_number} was not in force on {incident_date} "
            f"(cover {cover[0]} to {cover[1]}, status {policy_status}).",
            details=[{"field": "incident_date"}],
        )


def check_claim_type(claim_type: str, *, coverages: Sequence[str], product_name: str) -> None:
    if claim_type not in coverages:
        raise ValidationFailed(
            f"'{claim_type}' is not a coverage of {product_name}; "
            f"claim types: {', '.join(coverages)}.",
            details=[{"field": "claim_type"}],
        )


def check_currency(currency: str, *, policy_currency: str) -> None:
    if currency != policy_currency:
        raise ValidationFailed(f"The policy is in {policy_currency}; claim in that currency.")


def check_line_coverages(codes: Iterable[str | None], *, coverages: Collection[str]) -> None:
    """Every loss line that names a coverage names one of the product's."""
    for code in codes:
        if code and code not in coverages:
            raise ValidationFailed(f"Loss line coverage '{code}' is not in the product.")


def check_claimed_lines(amounts: Iterable[Decimal], *, claimed: Decimal) -> None:
    if sum(amounts, Decimal("0")) != claimed:
        raise ValidationFailed(
            "The loss lines must add up to the claimed amount.", details=[{"field": "loss_lines"}]
        )


def check_payee_owner(
    *, account_id: int, owner_id: int | None, claim_customer_ids: Collection[int]
) -> None:
    """A payee account belongs to the claimant or the policy holder (``owner_id`` None: no
    such account)."""
    if owner_id is None or owner_id not in claim_customer_ids:
        raise ValidationFailed(
            f"Bank account {account_id} does not belong to the claimant or policy holder."
        )


def check_payment_amount(amount: Decimal, *, outstanding: Decimal) -> None:
    if amount > outstanding:
        raise ValidationFailed(
            f"Paying {amount:,.2f} would exceed the outstanding approved amount {outstanding:,.2f}."
        )


def check_assessor(*, siu_referred: bool, role: Role) -> None:
    """A claim referred to SIU is assessed by an investigator or a supervisor."""
    if siu_referred and role not in (Role.INVESTIGATOR, Role.SUPERVISOR):
        raise PermissionDenied(
            "This claim was referred to fraud investigation (SIU); an investigator or a "
            "supervisor must clear it before it is assessed."
        )


def check_payable(payable: Decimal) -> None:
    if payable <= 0:
        raise InvalidTransition(
            "Nothing is payable under the policy terms (see the payout explanation); "
            "deny the claim with the reasons instead."
        )


# ---------------------------------------------------------------- what a decision reads


@dataclass(frozen=True)
class Payee:
    """The bank account a payment goes to, as loaded: its owner and whether it is verified
    (by a second person or by the claim's read bank proof)."""

    id: int
    customer_id: int
    verified: bool


@dataclass(frozen=True)
class Award:
    """A dispute whose award ``approve_award`` approves (support.disputes)."""

    dispute_id: int
    claim_id: int
    settled: bool
    outcome: str | None
    amount: Decimal | None
    stage: str


@dataclass(frozen=True)
class DecisionFacts:
    """What a lifecycle step reads beyond the claim, loaded by the service for the steps
    that need it: the checklist and the documents read, the payout calculated now, the
    latest risk grade, the payee account, the dispute of an award, the field investigation."""

    required_documents: tuple[str, ...] = ()
    evidence: Completeness | None = None
    payout: PayoutResult | None = None
    risk_grade: str | None = None
    payee: Payee | None = None
    award: Award | None = None
    field_investigation_reasons: tuple[str, ...] = ()
    field_investigation_statuses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Limits:
    """The settings a decision obeys (from :class:`claimdesk.config.Settings`)."""

    authority_limits: Mapping[str, Decimal | None]
    segregation_threshold: Decimal
    waiver_roles: Collection[str]
