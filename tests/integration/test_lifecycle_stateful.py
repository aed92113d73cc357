"""One claim pushed around at random over HTTP, checked against a model of the lifecycle.

Hypothesis drives a single claim with random actions taken by random people: the claim's
own customer, an agent, two different adjusters, a senior adjuster, a supervisor, an
investigator, an administrator and an auditor. A small model predicts, from the transition
table (:data:`claimdesk.claims.machine.TRANSITIONS`) and the data rules, what each request
must answer (200, 409 wrong state, 403 wrong role or guard, 422 missing reason or bad
amount) and where the claim ends up. After every step the claim and its timeline are read
back and compared with the model.

Random actions rarely get a claim as far as payment, so one rule walks the claim towards
payment (with any person whose role may take the step, so that four-eyes, authority limits
and the SIU guard still refuse now and then). Every payment request carries its own
Idempotency-Key; a separate rule retries the last successful one, which must change nothing.

No money without evidence: half the claims get their papers uploaded (and read) right after
the report, the others none. Approving or paying without them is refused (409
``evidence_missing``) unless the request waives them, which only a supervisor may do, with
a reason; a high-risk claim is approved only after an investigator assessed it or by a
supervisor with a reason; the approver does not release payments above the segregation
threshold. An invariant reads the server back: nothing is ever paid on a claim whose
checklist is not complete and read, unless its documents were waived.

The side paths too: a large claim (at or above the field investigation threshold of its
type) is not approved until a field investigation is completed (409
``field_investigation_open``), which one rule does; a decided claim may be disputed and the
dispute settled with an award, approved exactly as awarded and paid by the usual ``pay``
(so under the same evidence guard). Whatever the path, every required document of a paid
claim is read or waived.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.machine import TRANSITIONS
from claimdesk.claims.payout import to_cents
from claimdesk.claims.rules import field_investigation_rule
from claimdesk.security.enums import Role
from claimdesk.security.permissions import PERMISSIONS

S = ClaimStatus
A = ClaimAction
ZERO = Decimal("0.00")
REASON = "Checked against the file."
REASONS = [REASON, REASON, None, "   "]  # mostly given, sometimes missing or blank

# The cast: name -> role. Two adjusters so that one can approve what the other assessed.
CAST = {
    "customer": Role.CUSTOMER,
    "agent": Role.AGENT,
    "adjuster": Role.ADJUSTER,
    "other_adjuster": Role.ADJUSTER,
    "senior_adjuster": Role.SENIOR_ADJUSTER,
    "supervisor": Role.SUPERVISOR,
    "investigator": Role.INVESTIGATOR,
    "admin": Role.ADMIN,
    "auditor": Role.AUDITOR,
}
PEOPLE = sorted(CAST)
PAY_AMOUNTS = ["balance", "half", "too_much"]
WAIVES = [False, False, False, True]  # a waiver of every required document, now and then
REQUIRED = {  # the checklists of the two claim types (documents/checklists.toml)
    "inpatient": [
        "id_card",
        "diagnosis_certificate",
        "itemised_invoice",
        "discharge_summary",
        "bank_account_proof",
    ],
    "accidental_death_disability": [
        "id_card",
        "accident_proof",
        "medical_records",
        "death_or_disability_proof",
        "bank_account_proof",
    ],
}
HIGH_RISK = ("high", "critical")
AWARD = Decimal("500.00")  # a dispute's award, paid as awarded
DISPUTABLE = (S.APPROVED, S.PARTIALLY_APPROVED, S.DENIED, S.PAID, S.CLOSED)
FIELD_INVESTIGATION_OPENABLE = (
    S.REPORTED,
    S.AWAITING_DOCUMENTS,
    S.UNDER_REVIEW,
    S.INVESTIGATING,
    S.ASSESSED,
    S.COVERAGE_VERIFIED,
    S.REOPENED,
)
SIU_ASSESSORS = (Role.INVESTIGATOR, Role.SUPERVISOR)  # who may assess after an SIU referral
_keys = itertools.count(1)

# The next step on the way to a paid and closed claim (random actions alone rarely get there).
TOWARDS_PAYMENT = {
    S.REPORTED: A.START_REVIEW,
    S.AWAITING_DOCUMENTS: A.SUBMIT_DOCUMENTS,
    S.UNDER_REVIEW: A.ASSESS,
    S.INVESTIGATING: A.ASSESS,
    S.REOPENED: A.START_REVIEW,
    S.ASSESSED: A.VERIFY_COVERAGE,
    S.COVERAGE_VERIFIED: A.APPROVE,
    S.APPROVED: A.PAY,
    S.PARTIALLY_APPROVED: A.PAY,
    S.PAID: A.CLOSE,
    S.DENIED: A.CLOSE,
}


# ---------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    """The claim of one example: product, coverage, amount and what the policy will pay."""

    product: str
    claim_type: str
    sum_insured: Decimal
    claimed: Decimal

    @property
    def payable(self) -> Decimal:
        if self.claim_type == "inpatient":
            # MED-HOSP inpatient: 1,000 annual deductible, then 20 % co-pay (always partial).
            after_deductible = max(ZERO, self.claimed - Decimal("1000"))
            payable = after_deductible - to_cents(after_deductible * Decimal("0.2"))
            return min(payable, Decimal("200000"), self.sum_insured)
        # ACC-PLUS accidental death and disability: no deductible, no co-pay, no annual
        # limit; only the sum insured caps it.
        return min(self.claimed, self.sum_insured)


def _cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low * 100, high * 100).map(lambda c: Decimal(c) / 100)


# Amounts in three bands so the adjuster limit (10,000) and the senior adjuster limit
# (100,000) are crossed now and then; inpatient claims up to 1,000 leave nothing payable.
_AMOUNTS = st.one_of(_cents(1_000, 14_000), _cents(14_000, 100_000), _cents(100_000, 160_000))
SCENARIOS = st.one_of(
    st.builds(
        Scenario,
        product=st.just("MED-HOSP"),
        claim_type=st.just("inpatient"),
        sum_insured=st.just(Decimal("300000")),
        claimed=st.one_of(_cents(500, 1_000), _AMOUNTS),
    ),
    st.builds(
        Scenario,
        product=st.just("ACC-PLUS"),
        claim_type=st.just("accidental_death_disability"),
        sum_insured=st.sampled_from([Decimal("300000"), Decimal("50000")]),
        claimed=_AMOUNTS,
    ),
)


# ---------------------------------------------------------------- the model


@dataclass
class Outcome:
    code: int
    error: str | None = None  # the error code in the body, for a refusal
    status: ClaimStatus | None = None  # where the claim goes, for a success


@dataclass
class Request:
    person: str
    action: ClaimAction
    reason: str | None = None
    pay: str = "balance"  # for 'pay': balance, half or too_much of the outstanding amount
    key: str | None = None
    waive: bool = False  # for 'approve' and 'pay': waive every required document

    def body(self, outstanding: Decimal, required: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"action": str(self.action), "reason": self.reason}
        if self.waive and self.action in (A.APPROVE, A.PAY):
            body["waive_documents"] = required
        if self.action == A.PAY:
            body["idempotency_key"] = self.key
            if self.pay == "half":
                half = (outstanding / 2).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
                body["amount"] = str(max(half, Decimal("0.01")))
            elif self.pay == "too_much":
                body["amount"] = str(outstanding + Decimal("1.00"))
        return body


@dataclass
class Model:
    """What the claim should look like, from the table and the data rules."""

    scenario: Scenario
    limits: dict[str, Decimal | None]
    segregation: Decimal
    documents: bool = False  # its papers were uploaded and read
    waived: bool = False  # a supervisor waived them
    siu_cleared: bool = False  # an investigator assessed it
    approver: str | None = None
    waivers: int = 0  # timeline entries of waivers
    uploads: int = 0  # timeline entries of uploads
    status: ClaimStatus = S.REPORTED
    siu_referred: bool = False
    assessor: str | None = None
    verified_payable: Decimal | None = None
    approved: Decimal = ZERO
    paid: Decimal = ZERO
    transitions: int = 0
    field_investigation_done: bool = False
    side_events: int = 0  # timeline entries of side paths (field investigation, dispute)

    @property
    def field_investigation_required(self) -> bool:
        threshold = field_investigation_rule().threshold(self.scenario.claim_type)
        return self.scenario.claimed >= threshold

    @property
    def outstanding(self) -> Decimal:
        return self.approved - self.paid

    def evidence(self, request: Request, role: Role) -> Outcome | None:
        """The evidence guard of approve and pay: a waiver's checks, then the documents."""
        if request.waive:
            if role != Role.SUPERVISOR:
                return Outcome(403, "permission_denied")
            if not (request.reason and request.reason.strip()):
                return Outcome(422, "validation_failed")
            return None
        if not (self.documents or self.waived):
            return Outcome(409, "evidence_missing")
        return None

    def predict(self, request: Request, amount: Decimal | None, grade: str | None) -> Outcome:
        action, role = request.action, CAST[request.person]
        transition = TRANSITIONS[action]
        if role not in PERMISSIONS["claims.transition"]:
            return Outcome(403, "permission_denied")  # the route's access rule comes first
        if action == A.PAY and role not in transition.roles:
            # pay checks the role first, before a possible replay and before the state
            return Outcome(403, "permission_denied")
        if self.status not in transition.sources:
            return Outcome(409, "invalid_transition")
        if role not in transition.roles:
            return Outcome(403, "permission_denied")
        if transition.reason_required and not (request.reason and request.reason.strip()):
            return Outcome(422, "validation_failed")
        if action == A.APPROVE_AWARD:
            return Outcome(422, "validation_failed")  # names no settled dispute (award rule)
        if action == A.ASSESS and self.siu_referred and role not in SIU_ASSESSORS:
            return Outcome(403, "permission_denied")
        if action == A.APPROVE:  # guards in the order the service applies them
            payable = self.verified_payable or ZERO
            if payable <= 0:
                return Outcome(409, "invalid_transition")
            if request.person == self.assessor:
                return Outcome(403, "permission_denied")  # four-eyes
            limit = self.limits.get(role, ZERO)
            if limit is not None and payable > limit:
                return Outcome(403, "permission_denied")  # authority limit
            reasoned = bool(request.reason and request.reason.strip())
            supervised = role == Role.SUPERVISOR and reasoned
            if grade in HIGH_RISK and not (self.siu_cleared or supervised):
                return Outcome(403, "permission_denied")  # SIU clearance
            refused = self.evidence(request, role)
            if refused is not None:
                return refused
            if self.field_investigation_required and not self.field_investigation_done:
                return Outcome(409, "field_investigation_open")
            full = payable >= self.scenario.claimed
            return Outcome(200, status=S.APPROVED if full else S.PARTIALLY_APPROVED)
        if action == A.PAY:
            paying = self.outstanding if amount is None else amount
            if paying > self.outstanding:
                return Outcome(422, "validation_failed")
            if paying > 0:
                if request.person == self.approver and paying > self.segregation:
                    return Outcome(403, "permission_denied")  # segregation of duties
                refused = self.evidence(request, role)
                if refused is not None:
                    return refused
            fully = paying == self.outstanding
            return Outcome(200, status=S.PAID if fully else self.status)
        if action == A.SUBMIT_DOCUMENTS and not self.documents:
            return Outcome(409, "evidence_missing")
        return Outcome(200, status=transition.target)

    def apply(self, request: Request, outcome: Outcome, amount: Decimal | None) -> None:
        """Record a successful transition."""
        assert outcome.status is not None
        action = request.action
        moves_money = action == A.APPROVE or (action == A.PAY and self.outstanding > 0)
        if request.waive and moves_money:  # (settling with nothing to pay checks nothing)
            self.waived = True
            self.waivers += 1
        if action == A.REFER_TO_SIU:
            self.siu_referred = True
        elif action == A.ASSESS:
            self.assessor = request.person
            self.siu_cleared |= CAST[request.person] == Role.INVESTIGATOR
        elif action == A.VERIFY_COVERAGE:
            self.verified_payable = self.scenario.payable
        elif action == A.APPROVE:
            assert self.verified_payable is not None
            self.approved = max(self.verified_payable, self.paid)
            self.approver = request.person
        elif action == A.PAY:
            self.paid += self.outstanding if amount is None else amount
        self.status = outcome.status
        self.transitions += 1


# ---------------------------------------------------------------- the test


def test_a_claim_driven_at_random_always_matches_the_lifecycle_model(world, container):
    """Random actions by random people: every answer and every resulting state as modelled."""
    holder = world.customer()
    account_id = holder.bank_accounts[0].id
    people = {
        name: world.login(role, holder if role == Role.CUSTOMER else None)
        for name, role in CAST.items()
    }
    reader = people["supervisor"]
    investigator_id = world.client.get("/api/v1/auth/me", headers=people["investigator"]).json()[
        "user_id"
    ]
    limits = container.settings.authority_limits
    segregation = container.settings.segregation_threshold

    class OneClaim(RuleBasedStateMachine):
        model: Model
        claim_id: int
        seen: dict[str, Any]
        last_payment: tuple[str, dict[str, Any]] | None

        def read(self) -> dict[str, Any]:
            claim = world.claim(reader, self.claim_id)
            response = world.client.get(f"/api/v1/claims/{self.claim_id}/timeline", headers=reader)
            assert response.status_code == 200, response.text
            claim["timeline"] = response.json()
            return claim

        def unchanged(self, before: dict[str, Any], after: dict[str, Any]) -> None:
            for key in ("status", "version", "approved_amount", "paid_amount", "timeline"):
                assert after[key] == before[key], key

        @initialize(scenario=SCENARIOS, with_documents=st.booleans())
        def report_a_claim(self, scenario: Scenario, with_documents: bool) -> None:
            policy = world.policy(holder, scenario.product, sum_insured=str(scenario.sum_insured))
            response = world.report(
                people["customer"],
                policy,
                amount=str(scenario.claimed),
                claim_type=scenario.claim_type,
                bank_account_id=account_id,
            )
            assert response.status_code == 201, response.text
            self.claim_id = response.json()["id"]
            self.model = Model(scenario, limits, segregation)
            self.last_payment = None
            if with_documents:
                # Read as they come: the system asks for the rest after the first one, and
                # resumes the review once the last one is read.
                world.evidence(people["customer"], self.claim_id)
                self.model.documents = True
                self.model.uploads = len(REQUIRED[scenario.claim_type])
                self.model.status = S.UNDER_REVIEW
                self.model.transitions = 2
            self.seen = self.read()
            kinds = [e["kind"] for e in self.seen["timeline"] if e["kind"] != "document_uploaded"]
            expected = ["reported", "request_documents", "submit_documents"]
            assert kinds == (expected if with_documents else ["reported"])

        def send(self, request: Request) -> None:
            world.container.clock.advance(timedelta(seconds=1))
            body = request.body(self.model.outstanding, REQUIRED[self.model.scenario.claim_type])
            amount = Decimal(body["amount"]) if "amount" in body else None
            risk = world.client.get(f"/api/v1/claims/{self.claim_id}/risk", headers=reader)
            expected = self.model.predict(request, amount, risk.json().get("grade"))

            response = world.act(people[request.person], self.claim_id, **body)
            event(f"{request.action} -> {response.status_code}")
            event(f"reached {expected.status or self.model.status}")
            assert response.status_code == expected.code, (request, expected, response.text)
            before, after = self.seen, self.read()
            if expected.code != 200:
                assert response.json()["error"]["code"] == expected.error, response.text
                self.unchanged(before, after)
            else:
                waivers = self.model.waivers
                self.model.apply(request, expected, amount)
                assert response.json()["status"] == expected.status
                assert after["version"] > before["version"]
                added = 1 + self.model.waivers - waivers  # a waiver comes before its action
                assert len(after["timeline"]) == len(before["timeline"]) + added
                last = after["timeline"][-1]
                assert (last["kind"], last["from_status"], last["to_status"]) == (
                    request.action,
                    before["status"],
                    expected.status,
                )
                if request.action == A.VERIFY_COVERAGE:
                    assert Decimal(after["payable_amount"]) == self.model.scenario.payable
                if request.action == A.PAY:
                    self.last_payment = (request.person, body)
            self.seen = after

        @rule(
            action=st.sampled_from(list(ClaimAction)),
            person=st.sampled_from(PEOPLE),
            reason=st.sampled_from(REASONS),
            pay=st.sampled_from(PAY_AMOUNTS),
            waive=st.sampled_from(WAIVES),
        )
        def anyone_tries_anything(
            self, action: ClaimAction, person: str, reason: str | None, pay: str, waive: bool
        ) -> None:
            self.send(Request(person, action, reason, pay, key=f"pay-{next(_keys)}", waive=waive))

        @rule(data=st.data())
        def someone_takes_an_action_the_state_allows(self, data: st.DataObject) -> None:
            possible = [a for a, t in TRANSITIONS.items() if self.model.status in t.sources]
            if not possible:  # archived: nothing is possible any more
                return
            action = data.draw(st.sampled_from(possible), label="action")
            allowed = [p for p in PEOPLE if CAST[p] in TRANSITIONS[action].roles]
            person = data.draw(
                st.one_of(st.sampled_from(allowed), st.sampled_from(PEOPLE)), label="person"
            )
            reason = data.draw(st.sampled_from(REASONS), label="reason")
            pay = data.draw(st.sampled_from(PAY_AMOUNTS), label="pay")
            waive = data.draw(st.sampled_from(WAIVES), label="waive")
            self.send(Request(person, action, reason, pay, key=f"pay-{next(_keys)}", waive=waive))

        @rule(data=st.data())
        def someone_moves_the_claim_towards_payment(self, data: st.DataObject) -> None:
            action = TOWARDS_PAYMENT.get(self.model.status)
            if action is None and self.model.status in (S.CLOSED, S.WITHDRAWN):
                action = data.draw(st.sampled_from([A.ARCHIVE, A.REOPEN]), label="action")
            if action is None:
                return
            allowed = [p for p in PEOPLE if CAST[p] in TRANSITIONS[action].roles]
            person = data.draw(st.sampled_from(allowed), label="person")
            pay = data.draw(st.sampled_from(PAY_AMOUNTS), label="pay")
            waive = data.draw(st.sampled_from(WAIVES), label="waive")
            self.send(Request(person, action, REASON, pay, key=f"pay-{next(_keys)}", waive=waive))

        @precondition(lambda self: self.last_payment is not None)
        @rule()
        def the_last_payment_request_is_retried(self) -> None:
            assert self.last_payment is not None
            person, body = self.last_payment
            world.container.clock.advance(timedelta(seconds=1))
            response = world.act(people[person], self.claim_id, **body)
            assert response.status_code == 200, response.text
            assert response.json()["status"] == self.model.status
            after = self.read()
            self.unchanged(self.seen, after)
            self.seen = after
            self.last_payment = None  # once is enough

        @invariant()
        def the_status_is_the_modelled_one(self) -> None:
            assert self.seen["status"] == self.model.status

        @invariant()
        def the_timeline_has_one_entry_per_transition_after_the_report(self) -> None:
            model = self.model
            expected = 1 + model.uploads + model.transitions + model.waivers + model.side_events
            assert len(self.seen["timeline"]) == expected

        @invariant()
        def nothing_is_paid_or_approved_without_evidence_or_a_waiver(self) -> None:
            if Decimal(self.seen["approved_amount"]) == 0:
                return
            url = f"/api/v1/claims/{self.claim_id}/completeness"
            completeness = world.client.get(url, headers=reader)
            assert completeness.status_code == 200, completeness.text
            complete = completeness.json()["complete"]
            waived = self.seen["waived_documents"]
            assert complete or waived, "money decided without the papers or a waiver"
            kinds = [e["kind"] for e in self.seen["timeline"]]
            assert complete or "documents_waived" in kinds

        @invariant()
        def every_required_document_of_a_paid_claim_is_read_or_waived(self) -> None:
            if Decimal(self.seen["paid_amount"]) == 0:
                return
            url = f"/api/v1/claims/{self.claim_id}/completeness"
            completeness = world.client.get(url, headers=reader)
            assert completeness.status_code == 200, completeness.text
            read = {p["kind"] for p in completeness.json()["present"]}
            waived = set(self.seen["waived_documents"])
            required = set(REQUIRED[self.model.scenario.claim_type])
            assert required <= read | waived, "paid without the papers or a waiver"

        @precondition(
            lambda self: (
                self.model.field_investigation_required
                and not self.model.field_investigation_done
                and self.model.status in FIELD_INVESTIGATION_OPENABLE
            )
        )
        @rule()
        def a_field_investigation_is_done(self) -> None:
            base = f"/api/v1/claims/{self.claim_id}/field-investigations"
            body = {"due_date": "2026-12-31", "assignee_id": investigator_id}
            opened = world.client.post(base, json=body, headers=people["adjuster"])
            assert opened.status_code == 201, opened.text
            done = {"findings": "As reported.", "outcome": "confirmed"}
            url = f"/api/v1/field-investigations/{opened.json()['id']}/complete"
            completed = world.client.post(url, json=done, headers=people["investigator"])
            assert completed.status_code == 200, completed.text
            self.model.field_investigation_done = True
            event("field investigation completed")
            self.model.side_events += 2  # opened (with its assignee), completed
            self.seen = self.read()

        # An award is approved on the dispute's evidence, not the checklist's: on a claim
        # without its papers it would be money approved without them (the invariant above),
        # so disputes here are of claims whose papers are read or waived; paying an award
        # without them is refused like any payment (tests/integration/support).
        @precondition(
            lambda self: (
                self.model.status in DISPUTABLE and (self.model.documents or self.model.waived)
            )
        )
        @rule()
        def a_dispute_ends_in_an_award(self) -> None:
            world.container.clock.advance(timedelta(seconds=1))
            body = {"claim_id": self.claim_id, "reason": "More is owed."}
            opened = world.client.post("/api/v1/disputes", json=body, headers=people["customer"])
            assert opened.status_code == 201, opened.text
            settle = {"action": "settle", "outcome": "extra_payment", "extra_amount": str(AWARD)}
            url = f"/api/v1/disputes/{opened.json()['id']}/steps"
            settled = world.client.post(url, json=settle, headers=people["senior_adjuster"])
            assert settled.status_code == 200, settled.text
            model = self.model
            before = model.status
            model.approved += AWARD  # exactly as awarded, not through the policy formula
            model.approver = "senior_adjuster"
            model.status = S.APPROVED
            model.transitions += 1  # approve_award
            model.side_events += 2  # dispute opened, dispute settled
            self.seen = self.read()
            assert self.seen["timeline"][-1]["kind"] == "approve_award"
            event(f"award approved from {before}")

        @invariant()
        def no_more_is_paid_than_approved(self) -> None:
            paid, approved = (Decimal(self.seen[k]) for k in ("paid_amount", "approved_amount"))
            assert ZERO <= paid <= approved
            assert (paid, approved) == (self.model.paid, self.model.approved)
            assert Decimal(self.seen["outstanding_amount"]) == approved - paid

        @invariant()
        def the_allowed_actions_are_those_of_the_table(self) -> None:
            status = S(self.seen["status"])
            expected = [a for a, t in TRANSITIONS.items() if status in t.sources]
            supervisor_may = {a for a in expected if Role.SUPERVISOR in TRANSITIONS[a].roles}
            assert set(self.seen["allowed_actions"]) == supervisor_may

    run_state_machine_as_test(
        OneClaim,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
