"""``claimdesk generate``: bulk claims that read as if the services had made them."""

from collections import Counter
from itertools import pairwise

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from claimdesk.audit import service as audit
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.machine import TRANSITIONS
from claimdesk.claims.models import Claim, ClaimEvent, Payment
from claimdesk.claims.rules import decision_status
from claimdesk.cli.main import app
from claimdesk.customers.models import Customer
from claimdesk.customers.service import find_by_id_number
from claimdesk.documents.models import Document
from claimdesk.policies.models import Policy
from claimdesk.scale.generator import generate
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor
from claimdesk.support.models import Ticket

CLAIMS = 600


@pytest.fixture
def generated(container):
    return generate(container.engine, claims=CLAIMS, seed=7, now=container.clock.now())


def test_generate_adds_the_claims_asked_for_with_what_they_belong_to(generated, session):
    assert generated.rows["claims"] == CLAIMS
    assert session.scalar(select(func.count()).select_from(Claim)) == CLAIMS
    for table in ("customers", "policies", "claim_events", "documents", "tickets"):
        assert generated.rows[table] > 0, table


def test_every_timeline_walks_legal_transitions_to_the_claims_status(generated, session):
    events = session.scalars(select(ClaimEvent).order_by(ClaimEvent.claim_id, ClaimEvent.id))
    timelines: dict[int, list[ClaimEvent]] = {}
    for event in events:
        timelines.setdefault(event.claim_id, []).append(event)
    for claim in session.scalars(select(Claim)):
        timeline = timelines[claim.id]
        assert timeline[0].kind == "reported"
        assert [e.at for e in timeline] == sorted(e.at for e in timeline)
        for before, step in pairwise(timeline):
            assert step.from_status == before.to_status
            assert ClaimStatus(step.from_status) in TRANSITIONS[ClaimAction(step.kind)].sources
            assert getattr(claim, f"{step.to_status}_at") is not None
        assert timeline[-1].to_status == claim.status
        assert claim.version == len(timeline)


def test_decided_amounts_follow_the_payout_rules(generated, session):
    approvals = session.execute(
        select(Claim, ClaimEvent.to_status)
        .join(ClaimEvent, ClaimEvent.claim_id == Claim.id)
        .where(ClaimEvent.kind == ClaimAction.APPROVE)
    ).all()
    assert approvals
    for claim, decided in approvals:
        assert claim.approved_amount == claim.payable_amount
        assert decided == decision_status(claim.payable_amount, claim.claimed_amount)
    paid = {p.claim_id: p for p in session.scalars(select(Payment))}
    for claim in session.scalars(select(Claim).where(Claim.paid_at.is_not(None))):
        assert paid[claim.id].amount == claim.paid_amount == claim.approved_amount
        assert paid[claim.id].bank_account_id == claim.bank_account_id


def test_incidents_fall_in_the_policy_period_and_nothing_is_in_the_future(
    generated, session, container
):
    now = container.clock.now()
    rows = session.execute(
        select(Claim.incident_date, Claim.reported_at, Policy.start_date, Policy.end_date).join(
            Policy, Policy.id == Claim.policy_id
        )
    )
    for incident, reported, start, end in rows:
        assert start <= incident <= end
        assert reported <= now
    assert session.scalar(select(func.max(Ticket.created_at))) <= now
    assert session.scalar(select(func.max(Document.uploaded_at))) <= now


def test_old_claims_are_settled_and_recent_ones_fill_the_work_queues(generated, session):
    statuses = Counter(session.scalars(select(Claim.status)))
    open_states = {ClaimStatus.UNDER_REVIEW, ClaimStatus.AWAITING_DOCUMENTS, ClaimStatus.ASSESSED}
    assert statuses[ClaimStatus.CLOSED] > CLAIMS / 3
    assert all(statuses[state] > 0 for state in open_states)


def test_generated_claims_are_served_by_the_api_and_new_claims_still_get_ids(
    generated, world, session
):
    claim = session.scalars(select(Claim).where(Claim.status == ClaimStatus.CLOSED)).first()
    supervisor = world.staff(Role.SUPERVISOR)
    assert world.claim(supervisor, claim.id)["number"] == claim.number
    timeline = world.client.get(f"/api/v1/claims/{claim.id}/timeline", headers=supervisor)
    assert timeline.status_code == 200, timeline.text
    holder = world.customer()
    policy = world.policy(holder, start=world.now.date().replace(month=1, day=1))
    reported = world.report(world.staff(Role.AGENT), policy, channel="phone")
    assert reported.status_code == 201, reported.text
    assert reported.json()["id"] > claim.id


def test_generating_again_appends_after_the_existing_rows(generated, container, session):
    again = generate(container.engine, claims=50, seed=8, now=container.clock.now())
    assert again.rows["claims"] == 50
    assert session.scalar(select(func.count()).select_from(Claim)) == CLAIMS + 50


def test_the_command_shows_what_it_added(container):
    result = CliRunner().invoke(
        app,
        ["generate", "--claims", "40", "--database-url", container.settings.resolved_database_url],
    )
    assert result.exit_code == 0, result.output
    assert "Added 40 claims" in result.output


def test_generated_customers_are_encrypted_and_found_by_id_number(generated, session):
    customer = session.scalars(select(Customer)).first()
    stored = session.scalar(
        text("SELECT id_number FROM customers WHERE id = :id"), {"id": customer.id}
    )
    agent = Actor(user_id=None, role=Role.AGENT)
    assert stored.startswith("enc1:")  # the table holds it encrypted, the ORM decrypts it
    assert customer.id_number not in stored
    assert find_by_id_number(session, actor=agent, id_number=customer.id_number) == [customer]


def test_generated_money_is_in_the_ledger_and_verify_reconciles_it(generated, session, container):
    facts = session.scalar(
        text("SELECT count(*) FROM audit_entries WHERE action = 'money.imported'")
    )
    decided = session.scalar(
        select(func.count()).select_from(Claim).where(Claim.assessed_amount.is_not(None))
    )
    assert facts == decided > 0
    assert audit.verify(session).ok
    with container.engine.begin() as connection:
        connection.execute(text("UPDATE payments SET amount = amount + 1 WHERE id = 1"))
    with container.sessions() as fresh:
        verdict = audit.verify(fresh)
    assert not verdict.ok
    assert "was changed outside the application" in verdict.reason
