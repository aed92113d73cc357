"""A customer's data in clear (PIPL art. 45): the customer their own, staff on request."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from fastapi.testclient import TestClient

from claimdesk.assistant.models import Conversation, ConversationMessage
from claimdesk.audit.models import SensitiveAccess
from claimdesk.core.db import unit_of_work
from claimdesk.customers.models import Customer
from claimdesk.documents import paperwork
from claimdesk.security.enums import Role
from tests.factories import World
from tests.integration.web.pages import Browser


def _customer_with_everything(world: World) -> tuple[Customer, dict[str, str], dict, bytes]:
    customer = world.customer()
    policy = world.policy(customer, start=date(2026, 5, 1), end=date(2027, 4, 30))
    headers = world.login(Role.CUSTOMER, customer)
    claim = world.report(headers, policy).json()
    pdf = paperwork.text_pdf(["Discharge summary", "Acute appendicitis"])
    upload = world.client.post(
        f"/api/v1/claims/{claim['id']}/documents",
        files={"file": ("discharge.pdf", pdf, "application/pdf")},
        data={"kind": "discharge_summary"},
        headers=headers,
    )
    assert upload.status_code in (200, 201), upload.text
    ticket = world.client.post(
        "/api/v1/tickets",
        json={"kind": "consultation", "subject": "Q", "body": "How long will it take?"},
        headers=headers,
    ).json()
    note = world.client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "Staff only: check the hospital", "internal": True},
        headers=world.staff(Role.ADMIN),
    )
    assert note.status_code == 201, note.text
    with unit_of_work(world.container.sessions) as session:  # a chat with the assistant
        chat = Conversation(
            id=f"chat{customer.id}", customer_id=customer.id, locale="en", state={},
            created_at=world.now, updated_at=world.now,
        )  # fmt: skip
        chat.messages.append(
            ConversationMessage(at=world.now, author="customer", text="How do I report a claim?")
        )
        session.add(chat)
    return customer, headers, claim, pdf


def test_a_customer_exports_all_their_data_in_clear(world: World) -> None:
    customer, headers, claim, _pdf = _customer_with_everything(world)
    response = world.client.get(f"/api/v1/customers/{customer.id}/export", headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["profile"]["id_number"] == customer.id_number  # in clear, not masked
    assert data["profile"]["phone"] == "13800000000"
    assert data["profile"]["bank_accounts"][0]["account_number"].startswith("62220200")
    assert [p["role"] for p in data["policies"]] == ["holder"]
    [exported] = data["claims"]
    assert exported["id"] == claim["id"]
    assert exported["description"] == claim["description"]
    assert exported["timeline"] and exported["timeline"][0]["to_status"]
    assert [d["filename"] for d in exported["documents"]] == ["discharge.pdf"]
    assert exported["reserve_amount"] is None  # staff working data stays out
    [ticket] = data["tickets"]
    bodies = [m["body"] for m in ticket["messages"]]
    assert "How long will it take?" in bodies
    assert not any("Staff only" in b for b in bodies)  # internal notes are not theirs
    assert data["notifications"], "the claim report notified them"
    assert data["loyalty"]["balance"] > 0 and data["loyalty"]["entries"]
    assert data["assistant_conversations"][0]["messages"][0]["text"] == "How do I report a claim?"
    assert data["sign_in_accounts"][0]["username"].startswith("customer-")
    assert "lifecycle_stage" not in data and "segment" not in data
    with unit_of_work(world.container.sessions) as session:
        logged = session.query(SensitiveAccess).filter_by(
            purpose="data export: the customer's own request"
        )
        assert {(a.table_name, a.field) for a in logged} >= {("customers", "id_number")}


def test_staff_export_only_with_a_reason_and_other_customers_never(world: World) -> None:
    customer, _headers, _claim, _pdf = _customer_with_everything(world)
    url = f"/api/v1/customers/{customer.id}/export"
    stranger = world.login(Role.CUSTOMER, world.customer())
    assert world.client.get(url, headers=stranger).status_code == 404
    for role in (Role.ADJUSTER, Role.AUDITOR, Role.INVESTIGATOR):
        answer = world.client.get(url, params={"reason": "T-1"}, headers=world.staff(role))
        assert answer.status_code == 403
    admin = world.staff(Role.ADMIN)
    assert world.client.get(url, headers=admin).status_code == 422  # no reason given
    response = world.client.get(url, params={"reason": "ticket T-42"}, headers=admin)
    assert response.status_code == 200
    assert response.json()["profile"]["id_number"] == customer.id_number
    assert world.client.get(url, params={"reason": "T-1"}, headers=world.staff(Role.AGENT)).json()
    log = world.client.get(
        "/api/v1/audit/access-log",
        params={"purpose": "ticket T-42"},
        headers=world.staff(Role.AUDITOR),
    ).json()
    assert {r["role"] for r in log} == {"admin"}
    assert (
        world.client.get("/api/v1/customers/999999/export?reason=x", headers=admin).status_code
        == 404
    )


def test_the_zip_holds_the_data_and_the_document_files(world: World) -> None:
    customer, headers, _claim, pdf = _customer_with_everything(world)
    response = world.client.get(
        f"/api/v1/customers/{customer.id}/export", params={"format": "zip"}, headers=headers
    )
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["customer_id"] == customer.id
    files = [n for n in archive.namelist() if n.startswith("documents/")]
    assert len(files) == 1 and files[0].endswith("-discharge.pdf")
    assert archive.read(files[0]) == pdf


def test_the_portal_home_links_to_the_download_of_my_data(world: World) -> None:
    customer, _headers, _claim, pdf = _customer_with_everything(world)
    world.login(Role.CUSTOMER, customer)
    browser = Browser(TestClient(world.client.app))
    browser.sign_in(world.last_username)
    home = browser.get("/", headers={"Accept-Language": "en"})
    assert 'href="/my-data.zip"' in home.text and "Download my data" in home.text
    download = browser.get("/my-data.zip")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert pdf in [archive.read(n) for n in archive.namelist() if n.startswith("documents/")]
    staff = Browser(TestClient(world.client.app))
    world.login(Role.AGENT)
    staff.sign_in(world.last_username)
    assert staff.get("/my-data.zip", follow_redirects=False).status_code in (303, 403, 404)
