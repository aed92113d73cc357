"""Statutory clocks on the claim (arts. 23-25): started, met, warned and breached on the
business calendar, escalated by the sweep, counted in KPIs; and the advance payment (art. 25)
that is evidence-guarded, in the ledger and deducted from the final payment."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from claimdesk.claims import clocks
from claimdesk.claims.models import ClaimEvent
from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from claimdesk.support.models import OutboxMessage

CONTRACT_KEYS = {"rule", "started_at", "due_at", "state", "met_at"}


@pytest.fixture
def holder(world):
    return world.customer("周明", name_en="Zhou Ming")


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


def reported(world, holder, customer, *, amount="5200.00"):
    policy = world.policy(holder)
    response = world.report(
        customer, policy, amount=amount, bank_account_id=holder.bank_accounts[0].id
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def assessed(world, claim_id, customer=None):
    """Reviewed (complete: the decision clock starts), documents read, assessed."""
    adjuster = world.staff(Role.ADJUSTER)
    assert world.act(adjuster, claim_id, "start_review").status_code == 200
    if customer is not None:
        world.evidence(customer, claim_id)
    assert world.act(adjuster, claim_id, "assess").status_code == 200
    return claim_id


def later(world, *, by=None, at=None):
    """Move the clock (sign-ins expire meanwhile: staff sign in afresh)."""
    if at is not None:
        world.container.clock.at = at
    if by is not None:
        world.container.clock.advance(by)
    world._staff.clear()


def clocks_of(view):
    return {c["rule"]: c for c in view["statutory_clocks"]}


def sweep(world, *, at=None):
    if at is not None:
        later(world, at=at)
    with unit_of_work(world.container.sessions) as session:
        return clocks.sweep(session, now=world.now)


def timeline_kinds(world, claim_id, kind):
    with world.container.sessions() as session:
        return list(
            session.scalars(
                select(ClaimEvent).where(ClaimEvent.claim_id == claim_id, ClaimEvent.kind == kind)
            )
        )


def test_a_complete_claim_shows_its_decision_and_advance_clocks_in_the_contract_form(
    world, holder, customer
):
    claim_id = reported(world, holder, customer)
    assert world.claim(customer, claim_id)["statutory_clocks"] == []
    world.act(world.staff(Role.ADJUSTER), claim_id, "start_review")
    view = world.claim(customer, claim_id)
    assert [c["rule"] for c in view["statutory_clocks"]] == ["decision_30d", "advance_payment_60d"]
    decision = clocks_of(view)["decision_30d"]
    assert set(decision) >= CONTRACT_KEYS
    assert decision["started_at"] == "2026-06-15T02:00:00Z"
    assert decision["due_at"] == "2026-07-15T16:00:00Z"  # end of 15 July in Shanghai
    assert (decision["state"], decision["met_at"], decision["provisional"]) == (
        "running",
        None,
        False,
    )
    assert clocks_of(view)["advance_payment_60d"]["due_at"] == "2026-08-14T16:00:00Z"
    listed = world.client.get("/api/v1/claims", headers=world.staff(Role.ADJUSTER)).json()
    assert [c["rule"] for c in listed[0]["statutory_clocks"]] == [
        "decision_30d",
        "advance_payment_60d",
    ]


def test_approval_and_payment_meet_the_decision_payment_and_advance_clocks(world, holder, customer):
    claim_id = reported(world, holder, customer)
    world.settle(customer, claim_id, until="approve")
    view = world.claim(customer, claim_id)
    payment = clocks_of(view)["payment_10d"]
    assert (payment["state"], payment["due_at"]) == ("running", "2026-06-25T16:00:00Z")
    later(world, by=timedelta(days=2))
    response = world.act(world.staff(Role.ADJUSTER), claim_id, "pay")
    assert response.status_code == 200, response.text
    states = {r: (c["state"], c["met_at"]) for r, c in clocks_of(response.json()).items()}
    assert states == {
        "decision_30d": ("met", "2026-06-15T02:00:00Z"),
        "advance_payment_60d": ("met", "2026-06-15T02:00:00Z"),
        "payment_10d": ("met", "2026-06-17T02:00:00Z"),
    }


def test_a_payment_after_ten_days_is_met_late(world, holder, customer):
    claim_id = reported(world, holder, customer)
    world.settle(customer, claim_id, until="approve")
    later(world, by=timedelta(days=11))
    response = world.act(world.staff(Role.ADJUSTER), claim_id, "pay")
    assert clocks_of(response.json())["payment_10d"]["state"] == "met_late"


def test_the_sweep_warns_the_handler_then_escalates_the_breach_to_a_supervisor_once(
    world, holder, customer
):
    supervisor = world.staff(Role.SUPERVISOR)
    claim_id = assessed(world, reported(world, holder, customer))
    assert sweep(world).checked == 0  # nothing to do before the warning window
    result = sweep(world, at=datetime(2026, 7, 11, 0, tzinfo=UTC))  # 5 days before due
    assert (result.warned, result.breached) == (1, 0)  # the decision clock (advance later)
    customer = world.login(Role.CUSTOMER, holder)  # signed in afresh after the time moved
    assert clocks_of(world.claim(customer, claim_id))["decision_30d"]["state"] == "warning"
    [warning] = timeline_kinds(world, claim_id, clocks.CLOCK_WARNING)
    assert warning.data["rule"] == "decision_30d" and warning.data["to"] is not None
    assert sweep(world).warned == 0  # idempotent for one moment
    result = sweep(world, at=datetime(2026, 7, 15, 16, tzinfo=UTC))  # due
    assert (result.breached, result.escalated) == (1, 1)
    [breach] = timeline_kinds(world, claim_id, clocks.CLOCK_BREACHED)
    me = world.client.get("/api/v1/auth/me", headers=supervisor)
    if me.status_code == 200:
        assert breach.data["to"] == me.json()["id"]
    assert breach.data["to"] is not None
    assert sweep(world, at=datetime(2026, 7, 20, tzinfo=UTC)).escalated == 0
    customer = world.login(Role.CUSTOMER, holder)
    view = world.claim(customer, claim_id)
    assert clocks_of(view)["decision_30d"]["state"] == "breached"
    # Staff see the alerts on the timeline; the customer does not.
    staff_kinds = [
        e["kind"]
        for e in world.client.get(
            f"/api/v1/claims/{claim_id}/timeline", headers=world.staff(Role.ADJUSTER)
        ).json()
    ]
    customer_kinds = [
        e["kind"]
        for e in world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=customer).json()
    ]
    assert clocks.CLOCK_BREACHED in staff_kinds
    assert clocks.CLOCK_BREACHED not in customer_kinds


def test_a_late_decision_is_met_late(world, holder, customer):
    claim_id = assessed(world, reported(world, holder, customer))
    later(world, at=datetime(2026, 7, 16, 2, tzinfo=UTC))
    response = world.act(world.staff(Role.ADJUSTER), claim_id, "deny", reason="Not covered.")
    assert response.status_code == 200, response.text
    assert clocks_of(response.json())["decision_30d"]["state"] == "met_late"
    assert clocks_of(response.json())["advance_payment_60d"]["state"] == "cancelled"


def test_the_denial_notice_clock_is_met_when_the_notice_leaves_the_outbox(world, holder, customer):
    claim_id = assessed(world, reported(world, holder, customer))
    response = world.act(world.staff(Role.ADJUSTER), claim_id, "deny", reason="Pre-existing.")
    notice = clocks_of(response.json())["denial_notice_3d"]
    assert (notice["state"], notice["due_at"]) == ("running", "2026-06-18T16:00:00Z")
    with world.container.sessions() as session:
        sent = session.scalars(
            select(OutboxMessage.sent_at).where(
                OutboxMessage.claim_id == claim_id, OutboxMessage.state == "sent"
            )
        ).all()
    assert sent, "the denial notice is sent after the commit (jobs run inline in tests)"
    assert sweep(world).notices_met == 1
    notice = clocks_of(world.claim(customer, claim_id))["denial_notice_3d"]
    assert notice["state"] == "met" and notice["met_at"] is not None


def test_a_denial_notice_not_sent_in_three_days_breaches(world, holder, customer):
    claim_id = assessed(world, reported(world, holder, customer))
    world.act(world.staff(Role.ADJUSTER), claim_id, "deny", reason="Pre-existing.")
    with unit_of_work(world.container.sessions) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claim_id == claim_id)
            .values(state="failed", sent_at=None)
        )
    result = sweep(world, at=datetime(2026, 6, 18, 16, tzinfo=UTC))
    assert result.notices_met == 0 and result.breached >= 1
    customer = world.login(Role.CUSTOMER, holder)
    notice = clocks_of(world.claim(customer, claim_id))["denial_notice_3d"]
    assert notice["state"] == "breached"


def test_a_clock_into_a_year_the_calendar_does_not_know_is_flagged_provisional(
    world, holder, customer
):
    later(world, at=datetime(2026, 12, 20, 2, tzinfo=UTC))
    customer = world.login(Role.CUSTOMER, holder)
    claim_id = reported(world, holder, customer)
    world.act(world.staff(Role.ADJUSTER), claim_id, "start_review")
    decision = clocks_of(world.claim(customer, claim_id))["decision_30d"]
    assert decision["due_at"] == "2027-01-19T16:00:00Z"
    assert decision["provisional"] is True
    assert decision["calendar_note"] == "weekends_only"


def test_kpis_give_the_share_met_on_time_per_rule(world, holder, customer):
    on_time = reported(world, holder, customer)
    world.settle(customer, on_time, until="pay")
    other = world.customer("吴芳", name_en="Wu Fang")  # not a frequent claimant: low risk
    other_customer = world.login(Role.CUSTOMER, other)
    late = reported(world, other, other_customer, amount="4100.00")
    world.settle(other_customer, late, until="approve")
    later(world, by=timedelta(days=12))
    world.act(world.staff(Role.ADJUSTER), late, "pay")
    report = world.client.get(
        "/api/v1/metrics/kpis?live=true&from=2026-06-01&to=2026-06-30",
        headers=world.staff(Role.SUPERVISOR),
    ).json()
    rows = {row["rule"]: row for row in report["statutory_clocks"]}
    assert (rows["payment_10d"]["met"], rows["payment_10d"]["met_late"]) == (1, 1)
    assert rows["payment_10d"]["met_on_time"] == 0.5
    assert rows["decision_30d"]["met_on_time"] == 1.0
    assert rows["denial_notice_3d"]["met_on_time"] is None


# ---------------------------------------------------------------- advance payment (art. 25)


def advance(world, headers, claim_id, amount, **extra):
    return world.client.post(
        f"/api/v1/claims/{claim_id}/advance-payments",
        json={"amount": amount, **extra},
        headers=headers,
    )


def test_an_advance_without_the_documents_is_refused_and_changes_nothing(world, holder, customer):
    claim_id = assessed(world, reported(world, holder, customer))
    senior = world.staff(Role.SENIOR_ADJUSTER)
    response = advance(world, senior, claim_id, "1000.00")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "evidence_missing"
    assert world.claim(customer, claim_id)["paid_amount"] == "0.00"


def test_an_advance_is_staff_only_four_eyes_and_within_the_determinable_amount(
    world, holder, customer
):
    claim_id = assessed(world, reported(world, holder, customer), customer)
    assert advance(world, customer, claim_id, "100.00").status_code == 403
    # The adjuster assessed the claim: someone else pays the advance.
    assert advance(world, world.staff(Role.ADJUSTER), claim_id, "100.00").status_code == 403
    senior = world.staff(Role.SENIOR_ADJUSTER)
    too_much = advance(world, senior, claim_id, "999999.00")
    assert too_much.status_code == 422
    assert advance(world, senior, claim_id, "-5").status_code == 422
    assert world.claim(customer, claim_id)["payments"] == []


def test_an_advance_before_assessment_is_refused(world, holder, customer):
    claim_id = reported(world, holder, customer)
    world.act(world.staff(Role.ADJUSTER), claim_id, "start_review")
    world.evidence(customer, claim_id)
    response = advance(world, world.staff(Role.SENIOR_ADJUSTER), claim_id, "100.00")
    assert response.status_code == 409


def test_an_advance_is_paid_into_the_ledger_meets_its_clock_and_is_deducted_at_payment(
    world, holder, customer, container
):
    claim_id = assessed(world, reported(world, holder, customer), customer)
    later(world, by=timedelta(days=40))
    senior, adjuster = world.staff(Role.SENIOR_ADJUSTER), world.staff(Role.ADJUSTER)
    response = advance(world, senior, claim_id, "1000.00", idempotency_key="adv-1")
    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["status"], view["paid_amount"], view["outstanding_amount"]) == (
        "assessed",
        "1000.00",
        "0.00",
    )
    assert len(view["payments"]) == 1
    assert clocks_of(view)["advance_payment_60d"]["state"] == "met"
    assert clocks_of(view)["decision_30d"]["state"] == "breached"  # day 40, still undecided
    # A retry with the same key pays nothing more.
    again = advance(world, senior, claim_id, "1000.00", idempotency_key="adv-1")
    assert again.status_code == 200 and len(again.json()["payments"]) == 1
    with container.engine.connect() as connection:
        facts = connection.execute(
            text(
                "SELECT data FROM audit_entries WHERE action = 'money.advance_paid' "
                "AND subject_id = :id"
            ),
            {"id": str(claim_id)},
        ).all()
    assert len(facts) == 1
    verdict = world.client.get("/api/v1/audit/verify", headers=world.staff(Role.AUDITOR)).json()
    assert verdict["ok"] is True, verdict
    # Then the decision and the final payment: only the rest is paid.
    assert world.act(adjuster, claim_id, "verify_coverage").status_code == 200
    approved = world.act(senior, claim_id, "approve").json()
    approved_amount = Decimal(approved["approved_amount"])
    assert Decimal(approved["outstanding_amount"]) == approved_amount - Decimal("1000.00")
    paid = world.act(adjuster, claim_id, "pay").json()
    assert paid["status"] == "paid"
    assert Decimal(paid["paid_amount"]) == approved_amount
    assert [Decimal(p["amount"]) for p in paid["payments"]] == [
        Decimal("1000.00"),
        approved_amount - Decimal("1000.00"),
    ]
    verdict = world.client.get("/api/v1/audit/verify", headers=world.staff(Role.AUDITOR)).json()
    assert verdict["ok"] is True, verdict
