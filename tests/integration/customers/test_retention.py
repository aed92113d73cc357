"""Personal data past its retention period is erased or pseudonymised by the daily job,
and the audit ledger still verifies (it keeps a hash of what was erased, not the data)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from claimdesk.assistant.models import Conversation, ConversationMessage
from claimdesk.audit import service as audit
from claimdesk.audit.models import AuditEntry
from claimdesk.claims.models import Claim
from claimdesk.core.clock import FixedClock
from claimdesk.core.db import unit_of_work
from claimdesk.customers.models import Customer
from claimdesk.customers.retention import ERASED, digest, parse_periods
from claimdesk.customers.tasks import erase_past_retention
from claimdesk.documents import paperwork
from claimdesk.documents.models import Document
from claimdesk.security.enums import Role
from claimdesk.support.models import Ticket, TicketMessage
from tests.factories import World

DIAGNOSIS = "急性阑尾炎住院 acute appendicitis"


def _ended_customer(world: World) -> tuple[Customer, int, int]:
    """A customer whose claim was archived and whose ticket was closed today."""
    customer = world.customer()
    policy = world.policy(customer, start=date(2026, 1, 1), end=date(2026, 12, 31))
    headers = world.login(Role.CUSTOMER, customer)
    claim = world.report(headers, policy, description=DIAGNOSIS).json()
    upload = world.client.post(
        f"/api/v1/claims/{claim['id']}/documents",
        files={
            "file": (
                "discharge.pdf",
                paperwork.text_pdf(["Discharge summary: acute appendicitis"]),
                "application/pdf",
            )
        },
        data={"kind": "discharge_summary"},
        headers=headers,
    )
    assert upload.status_code in (200, 201)
    ticket = world.client.post(
        "/api/v1/tickets",
        json={"kind": "consultation", "subject": "My appendix", "body": DIAGNOSIS},
        headers=headers,
    ).json()
    with unit_of_work(world.container.sessions) as session:
        stored = session.get(Claim, claim["id"])
        assert stored is not None
        stored.status, stored.archived_at = "archived", world.now  # archived today
        row = session.get(Ticket, ticket["id"])
        assert row is not None
        row.status, row.closed_at = "closed", world.now
        chat = Conversation(
            id=f"chat{customer.id}", customer_id=customer.id, locale="zh-CN", state={"x": 1},
            created_at=world.now, updated_at=world.now,
        )  # fmt: skip
        chat.messages.append(ConversationMessage(at=world.now, author="customer", text=DIAGNOSIS))
        session.add(chat)
    return customer, claim["id"], ticket["id"]


def test_nothing_is_erased_before_its_period_ends(world: World, clock: FixedClock) -> None:
    _customer, claim_id, _ticket_id = _ended_customer(world)
    clock.advance(timedelta(days=365 * 4))  # claims: 5 years
    done = world.container.runner.run_now(erase_past_retention)
    assert done["claims"] == 0 and done["customers"] == 0 and done["files"] == 0
    assert done["tickets"] == 1  # tickets: 3 years
    assert done["conversations"] == 1  # conversations: 1 year
    with unit_of_work(world.container.sessions) as session:
        assert session.get(Claim, claim_id).description == DIAGNOSIS  # type: ignore[union-attr]


def test_after_retention_the_data_is_erased_and_the_ledger_still_verifies(
    world: World, clock: FixedClock
) -> None:
    customer, claim_id, ticket_id = _ended_customer(world)
    id_number = customer.id_number
    clock.advance(timedelta(days=365 * 6 + 2))
    done = world.container.runner.run_now(erase_past_retention)
    assert done == {"claims": 1, "tickets": 1, "conversations": 1, "customers": 1, "files": 1}
    assert world.container.runner.run_now(erase_past_retention) == {
        "claims": 0, "tickets": 0, "conversations": 0, "customers": 0, "files": 0,
    }  # fmt: skip
    with unit_of_work(world.container.sessions) as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None and claim.description == ERASED
        assert claim.claimed_amount > 0  # amounts and states stay
        document = session.scalars(select(Document).where(Document.claim_id == claim_id)).one()
        assert document.text is None and document.filename == "erased"
        assert not world.container.blobs.exists(document.sha256)  # file gone
        bodies = session.scalars(
            select(TicketMessage.body).where(TicketMessage.ticket_id == ticket_id)
        ).all()
        assert bodies and set(bodies) == {ERASED}
        assert session.scalars(select(ConversationMessage)).all() == []
        person = session.get(Customer, customer.id)
        assert person is not None and person.erased_at is not None
        assert person.id_number != id_number and person.phone is None
        assert customer.name not in person.name
        erased = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "privacy.erased")
        ).all()
        assert {e.subject_type for e in erased} == {
            "claim", "ticket", "assistant_session", "customer",
        }  # fmt: skip
        claim_entry = next(e for e in erased if e.subject_type == "claim")
        assert DIAGNOSIS not in str(claim_entry.data)  # a hash, not the data
        assert len(claim_entry.data["erased_sha256"]) == 64
        verdict = audit.verify(session, store=world.container.blobs)
        assert verdict.ok, verdict.reason
    found = world.client.get(
        "/api/v1/customers", params={"id_number": id_number}, headers=world.staff(Role.AGENT)
    ).json()
    assert found == []


def test_a_file_another_kept_claim_shares_stays_and_a_missing_kept_file_still_fails_verify(
    world: World, clock: FixedClock
) -> None:
    _customer, claim_id, _ticket_id = _ended_customer(world)
    _other, kept_claim_id, _ = _ended_customer(world)  # the same discharge file
    with unit_of_work(world.container.sessions) as session:
        kept = session.get(Claim, kept_claim_id)
        assert kept is not None
        kept.status, kept.archived_at = "reported", None  # still open: kept
    clock.advance(timedelta(days=365 * 6 + 2))
    store = world.container.blobs
    done = world.container.runner.run_now(erase_past_retention)
    assert done["claims"] == 1 and done["files"] == 0
    with unit_of_work(world.container.sessions) as session:
        sha256 = session.scalars(
            select(Document.sha256).where(Document.claim_id == kept_claim_id)
        ).one()
        assert store.exists(sha256)
        assert audit.verify(session, store=store).ok
        store.delete(sha256)  # lost or removed by hand: the kept claim's proof fails
        verdict = audit.verify(session, store=store)
        assert not verdict.ok and "is missing" in (verdict.reason or "")
    assert claim_id != kept_claim_id


def test_a_customer_with_a_policy_still_in_its_period_is_kept(
    world: World, clock: FixedClock
) -> None:
    customer = world.customer()
    world.policy(customer, start=date(2026, 1, 1), end=date(2030, 12, 31))
    clock.advance(timedelta(days=365 * 6))
    assert world.container.runner.run_now(erase_past_retention)["customers"] == 0
    with unit_of_work(world.container.sessions) as session:
        assert session.get(Customer, customer.id).erased_at is None  # type: ignore[union-attr]


def test_retention_periods_must_be_given_for_every_record_type() -> None:
    full = {k: {"years": 1} for k in ("claims", "tickets", "assistant_conversations", "customers")}
    assert parse_periods(full).claims == timedelta(days=365)
    with pytest.raises(ValueError, match="claims"):
        parse_periods({**full, "claims": {"years": -1}})
    with pytest.raises(ValueError, match="tickets"):
        parse_periods({k: v for k, v in full.items() if k != "tickets"})
    assert digest({"a": 1}) == digest({"a": 1}) != digest({"a": 2})
