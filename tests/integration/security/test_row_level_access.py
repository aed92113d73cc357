"""Row-level rules: a customer reaches only their own records, and a guessed id answers
exactly like an id that does not exist (404, never 403), so ids reveal nothing."""

from __future__ import annotations

import pytest

from claimdesk.security.enums import Role
from tests import samples

MISSING_ID = 987654


@pytest.fixture
def bob(world):
    """Customer B with a policy, a claim with a document, and a ticket."""
    holder = world.customer("鲍勃")
    headers = world.login(Role.CUSTOMER, holder)
    policy = world.policy(holder)
    claim = world.report(headers, policy).json()
    document = world.client.post(
        f"/api/v1/claims/{claim['id']}/documents",
        files={"file": ("invoice.pdf", samples.pdf(samples.INVOICE_EN), "application/pdf")},
        headers=headers,
    ).json()
    ticket = world.client.post(
        "/api/v1/tickets",
        json={"kind": "consultation", "subject": "保单咨询", "body": "How do I claim?"},
        headers=headers,
    ).json()
    return {
        "customer": holder.id,
        "policy": policy.id,
        "claim": claim["id"],
        "document": document["id"],
        "ticket": ticket["id"],
    }


@pytest.fixture
def alice(world):
    holder = world.customer("爱丽丝")
    world.policy(holder)
    return world.login(Role.CUSTOMER, holder)


def _reads(ids):
    c, d = ids["claim"], ids["document"]
    return [
        f"/api/v1/customers/{ids['customer']}",
        f"/api/v1/policies/{ids['policy']}",
        f"/api/v1/claims/{c}",
        f"/api/v1/claims/{c}/timeline",
        f"/api/v1/claims/{c}/payout",
        f"/api/v1/claims/{c}/documents",
        f"/api/v1/claims/{c}/documents/{d}",
        f"/api/v1/claims/{c}/documents/{d}/content",
        f"/api/v1/claims/{c}/completeness",
        f"/api/v1/tickets/{ids['ticket']}",
    ]


def test_customer_a_gets_404_for_every_record_of_customer_b(world, alice, bob):
    answers = {path: world.client.get(path, headers=alice) for path in _reads(bob)}
    wrong = {p: r.status_code for p, r in answers.items() if r.status_code != 404}
    assert wrong == {}
    assert {r.json()["error"]["code"] for r in answers.values()} == {"not_found"}


def test_a_guessed_id_and_someone_elses_id_answer_alike(world, alice, bob):
    missing = dict.fromkeys(bob, MISSING_ID)
    for theirs, nobodys in zip(_reads(bob), _reads(missing), strict=True):
        a = world.client.get(theirs, headers=alice)
        b = world.client.get(nobodys, headers=alice)
        assert (a.status_code, a.json()["error"]["code"]) == (
            b.status_code,
            b.json()["error"]["code"],
        ), theirs


def test_customer_a_cannot_write_to_customer_b_records(world, alice, bob):
    attempts = [
        world.client.post(
            f"/api/v1/claims/{bob['claim']}/documents",
            files={"file": ("x.pdf", samples.pdf(samples.INVOICE_EN), "application/pdf")},
            headers=alice,
        ),
        world.client.post(
            f"/api/v1/claims/{bob['claim']}/transitions", json={"action": "withdraw"}, headers=alice
        ),
        world.client.post(
            f"/api/v1/tickets/{bob['ticket']}/messages", json={"body": "hi"}, headers=alice
        ),
    ]
    assert [r.status_code for r in attempts] == [404, 404, 404]


def test_lists_show_customer_a_only_their_own_claims_policies_and_tickets(world, alice, bob):
    for path, key in (
        ("/api/v1/claims", "claim"),
        ("/api/v1/policies", "policy"),
        ("/api/v1/tickets", "ticket"),
    ):
        listed = world.client.get(path, headers=alice)
        assert listed.status_code == 200, path
        assert bob[key] not in {item["id"] for item in listed.json()}, path


def test_an_agent_sees_their_teams_tickets_but_not_another_teams(world, bob):
    lead = world.login(Role.SUPERVISOR)
    agents = [world.login(Role.AGENT) for _ in range(2)]
    ids = [world.client.get("/api/v1/auth/me", headers=a).json()["user_id"] for a in agents]
    team = world.client.post(
        "/api/v1/teams",
        json={"code": "service", "name": "客服", "kinds": ["consultation"], "member_ids": [ids[0]]},
        headers=lead,
    )
    assert team.status_code == 201, team.text
    ticket = world.client.post(
        "/api/v1/tickets",
        json={"kind": "consultation", "subject": "再问", "body": "Still waiting"},
        headers=world.login(Role.CUSTOMER, world.customer()),
    ).json()
    member, outsider = agents
    assert world.client.get(f"/api/v1/tickets/{ticket['id']}", headers=member).status_code == 200
    assert world.client.get(f"/api/v1/tickets/{ticket['id']}", headers=outsider).status_code == 404
    listed = world.client.get("/api/v1/tickets", headers=outsider).json()
    assert ticket["id"] not in {t["id"] for t in listed}
    supervisor_view = world.client.get(f"/api/v1/tickets/{ticket['id']}", headers=lead)
    assert supervisor_view.status_code == 200


def test_an_auditor_reads_but_changes_nothing(world, bob):
    auditor = world.staff(Role.AUDITOR)
    assert world.client.get(f"/api/v1/claims/{bob['claim']}", headers=auditor).status_code == 200
    holder = world.customer("审计对象")
    # Well-formed requests, so the refusal is the services' decision, not a validation error.
    writes = [
        world.client.post(
            "/api/v1/customers",
            json={"name": "王五", "id_number": "110101199001011111"},
            headers=auditor,
        ),
        world.report(auditor, world.policy(holder)),
        world.act(auditor, bob["claim"], "start_review"),
        world.client.post(
            "/api/v1/policies",
            json={
                "product_code": "MED-HOSP",
                "holder_id": holder.id,
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
                "sum_insured": "100000.00",
            },
            headers=auditor,
        ),
    ]
    assert [r.status_code for r in writes] == [403, 403, 403, 403], [r.text for r in writes]


def test_an_id_beyond_the_databases_integer_range_is_refused_not_a_server_error(world, alice):
    for path in ("/api/v1/claims/2147483648", "/api/v1/tickets/9223372036854775807"):
        response = world.client.get(path, headers=alice)
        assert response.status_code in (404, 422), (path, response.text)
