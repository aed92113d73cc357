"""The sensitive-access log over HTTP: auditors and administrators read it, filtered, as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from claimdesk.security.enums import Role
from tests.factories import World


def _read_in_clear(world: World, role: Role, customer_id: int) -> None:
    response = world.client.get(f"/api/v1/customers/{customer_id}", headers=world.staff(role))
    assert response.status_code == 200


def test_auditors_and_admins_read_who_saw_what_and_others_are_refused(world: World) -> None:
    customer = world.customer()
    _read_in_clear(world, Role.AGENT, customer.id)
    url = "/api/v1/audit/access-log"
    for role in (Role.AUDITOR, Role.ADMIN):
        response = world.client.get(url, headers=world.staff(role))
        assert response.status_code == 200, response.text
        rows = [r for r in response.json() if r["role"] == "agent"]
        fields = {(r["table"], r["record_id"], r["field"]) for r in rows}
        assert ("customers", str(customer.id), "id_number") in fields
        assert all(r["purpose"] == f"GET /api/v1/customers/{customer.id}" for r in rows)
        assert rows[0]["username"].startswith("agent-")
    for headers in (
        world.staff(Role.ADJUSTER),
        world.staff(Role.AGENT),
        world.login(Role.CUSTOMER, customer),
        world.login(Role.CUSTOMER, world.customer()),
    ):
        assert world.client.get(url, headers=headers).status_code == 403


def test_the_log_filters_by_user_subject_purpose_and_period(world: World) -> None:
    first, second = world.customer(), world.customer()
    _read_in_clear(world, Role.AGENT, first.id)
    _read_in_clear(world, Role.SUPERVISOR, second.id)
    auditor = world.staff(Role.AUDITOR)
    url = "/api/v1/audit/access-log"
    me = world.client.get("/api/v1/auth/me", headers=world.staff(Role.AGENT)).json()
    by_user = world.client.get(url, params={"user_id": me["user_id"]}, headers=auditor).json()
    assert by_user and {r["user_id"] for r in by_user} == {me["user_id"]}
    by_subject = world.client.get(
        url, params={"subject": f"customers:{second.id}"}, headers=auditor
    ).json()
    assert {r["role"] for r in by_subject} == {"supervisor"}
    assert {r["record_id"] for r in by_subject} == {str(second.id)}
    by_purpose = world.client.get(url, params={"purpose": f"/{first.id}"}, headers=auditor).json()
    assert by_purpose and all(r["purpose"].endswith(f"/{first.id}") for r in by_purpose)
    later = (world.now + timedelta(hours=1)).isoformat()
    assert world.client.get(url, params={"from": later}, headers=auditor).json() == []
    earlier = (world.now - timedelta(hours=1)).isoformat()
    assert world.client.get(url, params={"to": earlier}, headers=auditor).json() == []
    naive = world.client.get(url, params={"from": "2026-01-01T00:00:00"}, headers=auditor)
    assert naive.status_code == 422
    backwards = world.client.get(url, params={"from": later, "to": earlier}, headers=auditor)
    assert backwards.status_code == 422


def test_the_log_downloads_as_csv(world: World) -> None:
    customer = world.customer()
    _read_in_clear(world, Role.AGENT, customer.id)
    auditor = world.staff(Role.AUDITOR)
    for response in (
        world.client.get("/api/v1/audit/access-log?format=csv", headers=auditor),
        world.client.get("/api/v1/audit/access-log", headers={**auditor, "Accept": "text/csv"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert any(
            r["table"] == "customers"
            and r["record_id"] == str(customer.id)
            and r["role"] == "agent"
            for r in rows
        )


def test_reading_a_medical_document_is_in_the_access_log(world: World) -> None:
    from datetime import date

    from claimdesk.documents import paperwork

    customer = world.customer()
    policy = world.policy(customer, start=date(2026, 1, 1), end=date(2026, 12, 31))
    headers = world.login(Role.CUSTOMER, customer)
    claim = world.report(headers, policy).json()
    document = world.client.post(
        f"/api/v1/claims/{claim['id']}/documents",
        files={"file": ("d.pdf", paperwork.text_pdf(["Diagnosis"]), "application/pdf")},
        data={"kind": "discharge_summary"},
        headers=headers,
    ).json()
    adjuster = world.staff(Role.ADJUSTER)
    base = f"/api/v1/claims/{claim['id']}/documents/{document['id']}"
    assert world.client.get(base, headers=adjuster).status_code == 200
    assert world.client.get(f"{base}/content", headers=adjuster).status_code == 200
    log = world.client.get(
        "/api/v1/audit/access-log",
        params={"subject": f"documents:{document['id']}"},
        headers=world.staff(Role.ADMIN),
    ).json()
    assert sorted(r["purpose"] for r in log if r["role"] == "adjuster") == [
        f"GET {base}",
        f"GET {base}/content",
    ]
    # By data subject: the customer's profile, bank accounts and documents together.
    world.client.get(f"/api/v1/customers/{customer.id}", headers=world.staff(Role.AGENT))
    other = world.customer()
    world.client.get(f"/api/v1/customers/{other.id}", headers=world.staff(Role.AGENT))
    about = world.client.get(
        "/api/v1/audit/access-log",
        params={"customer_id": customer.id},
        headers=world.staff(Role.AUDITOR),
    ).json()
    assert {r["table"] for r in about} == {"customers", "bank_accounts", "documents"}
    assert str(other.id) not in {r["record_id"] for r in about if r["table"] == "customers"}
