"""``claimdesk demo``: a demo data set that obeys the domain rules and loads only once."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from claimdesk.audit.service import verify
from claimdesk.claims.enums import Channel, ClaimStatus
from claimdesk.claims.models import Claim, ClaimReserve
from claimdesk.core.clock import local_date
from claimdesk.core.db import Base
from claimdesk.customers.models import Customer
from claimdesk.demo import DEMO_USERS, load_demo, resident_id
from claimdesk.policies.models import Policy
from claimdesk.security.enums import STAFF_ROLES, Role
from claimdesk.security.models import User


@pytest.fixture
def demo(container):
    summary = load_demo(container)
    assert not summary.already_loaded
    return summary


def sign_in(client, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, (username, response.text)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def row_counts(session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def test_demo_has_claims_in_every_state_reached_by_the_rules(demo, container, session):
    assert set(demo.claims_by_status) == set(ClaimStatus)
    claims = session.scalars(select(Claim)).all()
    assert {claim.status for claim in claims} == set(ClaimStatus)
    assert {claim.channel for claim in claims} == set(Channel)
    assert sum(claim.siu_referred for claim in claims) == 1
    assert sum(0 < claim.paid_amount < claim.approved_amount for claim in claims) == 1

    today = local_date(container.clock.now(), container.settings.display_timezone)
    roles = {user.id: Role(user.role) for user in session.scalars(select(User))}
    limits = container.settings.authority_limits
    for claim in claims:
        assert claim.policy.start_date <= claim.incident_date <= claim.policy.end_date
        assert claim.incident_date < today
        assert all(event.at < container.clock.now() for event in claim.events)
        if claim.approver_id is not None:
            assert claim.approver_id != claim.assessor_id  # four-eyes
            limit = limits[roles[claim.approver_id]]
            assert limit is None or claim.approved_amount <= limit
    assert any(
        claim.approved_amount > Decimal("10000") and roles[claim.approver_id] != Role.ADJUSTER
        for claim in claims
        if claim.approver_id
    )
    partial = [c for c in claims if c.status == ClaimStatus.PARTIALLY_APPROVED]
    assert any("cosmetic" in line.cause_codes for c in partial for line in c.loss_lines)


def test_demo_customers_and_policies_look_real(demo, container, session):
    customers = session.scalars(select(Customer)).all()
    assert 40 <= len(customers) <= 60
    for customer in customers:
        number = customer.id_number
        assert len(number) == 18
        assert resident_id(number[:6], customer.birth_date, int(number[14:17])) == number
    assert {customer.preferred_locale for customer in customers} == {"zh-CN", "en"}
    accounts = [account for customer in customers for account in customer.bank_accounts]
    assert len(accounts) == len(customers)
    assert 0 < sum(not account.verified for account in accounts) < len(accounts) // 2

    policies = session.scalars(select(Policy)).all()
    assert 40 <= len(policies) <= 60
    assert {policy.product.code for policy in policies} == {"MED-HOSP", "MOTOR-COMP", "ACC-PLUS"}
    today = local_date(container.clock.now(), container.settings.display_timezone)
    assert any(policy.end_date < today for policy in policies)
    assert any(len(policy.insured) > 1 for policy in policies)
    for policy in policies:
        if policy.product.code == "MOTOR-COMP":
            assert policy.insured_object["plate_number"]


def test_every_staff_role_can_sign_in_with_the_documented_password(demo, client):
    staff = [user for user in DEMO_USERS if user.role != Role.CUSTOMER]
    assert {user.role for user in staff} == STAFF_ROLES
    assert sum(user.role == Role.ADJUSTER for user in staff) == 2
    for user in staff:
        headers = sign_in(client, user.username, user.password)
        me = client.get("/api/v1/auth/me", headers=headers).json()
        assert me["role"] == user.role


def test_loading_twice_adds_nothing(demo, container, session):
    before = row_counts(session)
    again = load_demo(container)
    assert again.already_loaded
    assert again.existing_user == DEMO_USERS[0].username
    session.expire_all()
    assert row_counts(session) == before


def test_a_demo_customer_sees_only_their_own_claims(demo, client, session):
    user = next(user for user in DEMO_USERS if user.role == Role.CUSTOMER)
    headers = sign_in(client, user.username, user.password)
    customer_id = session.scalars(
        select(User.customer_id).where(User.username == user.username)
    ).one()
    own = set(
        session.scalars(
            select(Claim.id)
            .join(Policy, Policy.id == Claim.policy_id)
            .where((Claim.customer_id == customer_id) | (Policy.holder_id == customer_id))
        )
    )
    total = session.scalar(select(func.count()).select_from(Claim))
    assert 0 < len(own) < total

    response = client.get("/api/v1/claims", params={"limit": 500}, headers=headers)
    assert response.status_code == 200
    assert {claim["id"] for claim in response.json()} == own


def test_demo_shows_reserves_set_revised_lowered_and_released(demo, session):
    claims = session.scalars(select(Claim)).all()
    kinds = {
        claim_id: [
            kind
            for (kind,) in session.execute(
                select(ClaimReserve.kind)
                .where(ClaimReserve.claim_id == claim_id)
                .order_by(ClaimReserve.id)
            )
        ]
        for claim_id in (claim.id for claim in claims)
    }
    assert all(history[0] == "initial" for history in kinds.values())
    revised = [c for c in claims if "changed" in kinds[c.id]]
    assert len(revised) >= 3
    reasons = session.scalars(
        select(ClaimReserve.reason).where(ClaimReserve.kind == "changed")
    ).all()
    assert all(reasons)
    for claim in claims:
        if claim.status in (ClaimStatus.CLOSED, ClaimStatus.DENIED, ClaimStatus.WITHDRAWN):
            assert claim.reserve_amount == 0
        if claim.paid_amount > 0:
            assert "paid" in kinds[claim.id]
    assert any(claim.reserve_amount > 0 for claim in claims)
    assert verify(session).ok


def test_demo_shows_statutory_clocks_in_every_state_and_an_advance_payment(
    demo, container, session
):
    from claimdesk.claims import clocks
    from claimdesk.claims.models import StatutoryClock

    now = container.clock.now()
    states = {clocks.live_state(c, now) for c in session.scalars(select(StatutoryClock))}
    assert states == {"running", "warning", "breached", "met", "met_late", "cancelled"}
    advanced = session.scalars(
        select(Claim).where(Claim.paid_amount > 0, Claim.approved_amount == 0)
    ).all()
    assert len(advanced) == 1
    rules = {c.rule: clocks.live_state(c, now) for c in clocks.of_claim(session, advanced[0].id)}
    assert rules["advance_payment_60d"] == "met"
    assert rules["decision_30d"] == "breached"
