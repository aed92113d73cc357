"""Uploading documents: checks on the bytes, content-addressed storage, the timeline, access.

Files here have a text layer, so reading them needs no OCR (see test_document_reading.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from claimdesk.documents.models import Document
from claimdesk.security.enums import Role
from tests import samples


@pytest.fixture
def holder(world):
    return world.customer("王小明")


@pytest.fixture
def policy(world, holder):
    return world.policy(holder)


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


@pytest.fixture
def claim(world, policy, customer):
    response = world.report(customer, policy)
    assert response.status_code == 201, response.text
    return response.json()


def upload(world, headers, claim_id, data, name="file.pdf", kind=None):
    form = {"kind": kind} if kind else {}
    return world.client.post(
        f"/api/v1/claims/{claim_id}/documents",
        files={"file": (name, data, "application/pdf")},
        data=form,
        headers=headers,
    )


def stored_files(container) -> list[Path]:
    root = container.settings.data_dir / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def document_rows(container) -> int:
    with container.sessions() as session:
        return session.query(Document).count()


def test_customer_uploads_an_invoice_and_it_is_read_and_classified(world, claim, customer):
    data = samples.pdf(samples.INVOICE_ZH)
    response = upload(world, customer, claim["id"], data, "发票.pdf")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["mime"] == "application/pdf"
    assert body["size"] == len(data)
    assert body["filename"] == "发票.pdf"
    assert body["status"] == "read"  # the test queue runs the reading job inline
    assert body["kind"] == body["detected_kind"] == "itemised_invoice"
    assert body["fields"]["amount"] == "2034.50"
    assert body["ocr_pages"] == 0


def test_extracted_invoice_amount_is_offered_as_a_loss_line_not_applied(world, claim, customer):
    upload(world, customer, claim["id"], samples.pdf(samples.INVOICE_ZH))
    documents = world.client.get(f"/api/v1/claims/{claim['id']}/documents", headers=customer).json()
    assert documents[0]["loss_line_offer"] == {
        "coverage_code": "inpatient",
        "description": "医疗费用发票及费用明细清单 / Itemised medical invoice and expense list "
        "0012345678",
        "amount": "2034.50",
    }
    lines = world.claim(customer, claim["id"])["loss_lines"]
    assert [line["amount"] for line in lines] == ["5000.00"]


def test_every_accepted_document_hash_is_on_the_claim_timeline(world, claim, customer):
    data = samples.pdf(samples.DIAGNOSIS_EN)
    document = upload(world, customer, claim["id"], data, kind="diagnosis_certificate").json()
    timeline = world.client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=customer).json()
    entry = next(e for e in timeline if e["kind"] == "document_uploaded")
    assert entry["data"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["data"]["document_id"] == document["id"]
    assert entry["data"]["kind"] == "diagnosis_certificate"


def test_the_same_file_twice_is_stored_once_and_answers_with_the_first_document(
    world, claim, customer, container
):
    data = samples.pdf(samples.INVOICE_EN)
    first = upload(world, customer, claim["id"], data)
    again = upload(world, customer, claim["id"], data, "copy.pdf")
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert document_rows(container) == 1
    assert len(stored_files(container)) == 1


def test_the_same_file_on_two_claims_has_two_documents_but_one_stored_copy(
    world, policy, claim, customer, container
):
    other = world.report(customer, policy, incident_date="2026-06-02").json()
    data = samples.pdf(samples.INVOICE_EN)
    assert upload(world, customer, claim["id"], data).status_code == 201
    assert upload(world, customer, other["id"], data).status_code == 201
    assert document_rows(container) == 2
    assert len(stored_files(container)) == 1


def test_download_returns_the_exact_bytes(world, claim, customer):
    data = samples.pdf(samples.DISCHARGE_EN)
    document = upload(world, customer, claim["id"], data, "summary.pdf").json()
    response = world.client.get(
        f"/api/v1/claims/{claim['id']}/documents/{document['id']}/content", headers=customer
    )
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "summary.pdf" in response.headers["content-disposition"]


def test_document_detail_shows_the_text_read(world, claim, customer):
    document = upload(world, customer, claim["id"], samples.pdf(samples.DIAGNOSIS_ZH)).json()
    detail = world.client.get(
        f"/api/v1/claims/{claim['id']}/documents/{document['id']}", headers=customer
    ).json()
    assert "疾病诊断证明书" in detail["text"]


def test_staff_upload_for_a_customer_and_see_the_documents(world, claim, customer):
    agent = world.staff(Role.AGENT)
    assert upload(world, agent, claim["id"], samples.pdf(samples.ID_CARD_ZH)).status_code == 201
    listed = world.client.get(f"/api/v1/claims/{claim['id']}/documents", headers=customer)
    assert [d["kind"] for d in listed.json()] == ["id_card"]


def test_another_customer_can_neither_upload_to_nor_see_a_claim(world, claim, customer):
    stranger = world.login(Role.CUSTOMER, world.customer("陌生人"))
    document = upload(world, customer, claim["id"], samples.pdf(samples.INVOICE_EN)).json()
    assert upload(world, stranger, claim["id"], samples.pdf(samples.BANK_ZH)).status_code == 404
    for path in ("documents", f"documents/{document['id']}/content", "completeness"):
        response = world.client.get(f"/api/v1/claims/{claim['id']}/{path}", headers=stranger)
        assert response.status_code == 404, path


def test_an_auditor_may_look_but_not_upload(world, claim):
    auditor = world.staff(Role.AUDITOR)
    response = upload(world, auditor, claim["id"], samples.pdf(samples.INVOICE_EN))
    assert response.status_code == 403
    assert (
        world.client.get(f"/api/v1/claims/{claim['id']}/documents", headers=auditor).status_code
        == 200
    )


def test_an_unknown_kind_is_refused(world, claim, customer):
    response = upload(world, customer, claim["id"], samples.pdf(samples.INVOICE_EN), kind="x")
    assert response.status_code == 422
    assert "itemised_invoice" in response.json()["error"]["message"]


def test_a_withdrawn_claim_takes_no_documents(world, claim, customer):
    world.act(customer, claim["id"], "withdraw", reason="Paid by another insurer")
    response = upload(world, customer, claim["id"], samples.pdf(samples.INVOICE_EN))
    assert response.status_code == 409


# ---------------------------------------------------------------- hostile uploads


HOSTILE = [
    pytest.param(
        lambda: b"PK\x03\x04" + bytes(200), "invoice.pdf", 415, "unsupported_type", id="zip as .pdf"
    ),
    pytest.param(
        lambda: b"%!PS-Adobe-3.0\n", "scan.pdf", 415, "unsupported_type", id="text as .pdf"
    ),
    pytest.param(samples.truncated_pdf, "t.pdf", 422, "truncated_pdf", id="truncated pdf"),
    pytest.param(samples.encrypted_pdf, "e.pdf", 422, "encrypted_pdf", id="encrypted pdf"),
    pytest.param(
        lambda: b"%PDF-1.7\n1 0 obj garbage\n%%EOF\n",
        "m.pdf",
        422,
        "malformed_pdf",
        id="broken pdf",
    ),
    pytest.param(samples.png_bomb, "b.png", 422, "decompression_bomb", id="png bomb"),
    pytest.param(
        lambda: samples.png_bomb(side=9_000), "d.png", 422, "absurd_dimensions", id="81 MP png"
    ),
    pytest.param(
        lambda: samples.png(samples.BANK_ZH)[:3000], "c.png", 422, "malformed_image", id="cut png"
    ),
    pytest.param(lambda: b"", "empty.pdf", 422, "empty", id="empty file"),
]


@pytest.mark.parametrize(("make", "name", "status", "reason"), HOSTILE)
def test_hostile_uploads_are_refused_clearly_and_nothing_is_stored(
    world, claim, customer, container, make, name, status, reason
):
    response = upload(world, customer, claim["id"], make(), name)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["details"][0]["reason"] == reason
    assert len(error["message"]) > 20  # says what is wrong and what to do
    assert stored_files(container) == []
    assert document_rows(container) == 0
    after = world.claim(customer, claim["id"])
    assert (after["status"], after["version"]) == (claim["status"], claim["version"])
    timeline = world.client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=customer)
    assert [e["kind"] for e in timeline.json()] == ["reported"]


def test_a_file_over_the_size_limit_is_refused_with_413(world, claim, customer, container):
    limit = container.settings.upload_max_bytes
    data = samples.pdf(samples.INVOICE_EN)
    oversize = data[:-6] + b" " * (limit - len(data) + 1) + data[-6:]
    response = upload(world, customer, claim["id"], oversize)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert "20 MB" in response.json()["error"]["message"]
    assert stored_files(container) == []
    assert document_rows(container) == 0
