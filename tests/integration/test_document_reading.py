"""Reading documents with real OCR (Debian's tesseract, Chinese and English), classifying
them, and the claim's completeness driving the request for documents and the return to review.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from claimdesk.documents import service
from claimdesk.documents.reading import TesseractOcr
from claimdesk.security.enums import Role
from tests import samples
from tests.factories import keyed, said_in

MEDICAL_KINDS = [
    "id_card",
    "diagnosis_certificate",
    "itemised_invoice",
    "discharge_summary",
    "bank_account_proof",
]


@pytest.fixture
def holder(world):
    return world.customer("王小明", name_en="Wang Xiaoming")


@pytest.fixture
def policy(world, holder):
    return world.policy(holder)


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


@pytest.fixture
def claim(world, policy, customer):
    response = world.report(customer, policy, amount="2034.50")
    assert response.status_code == 201, response.text
    return response.json()


def upload(world, headers, claim_id, data, name, kind=None):
    return world.client.post(
        f"/api/v1/claims/{claim_id}/documents",
        files={"file": (name, data)},
        data={"kind": kind} if kind else {},
        headers=headers,
    )


def timeline_kinds(world, headers, claim_id) -> list[str]:
    events = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=headers).json()
    return [e["kind"] for e in events]


# ---------------------------------------------------------------- OCR (a handful: it is slow)


@pytest.mark.parametrize(
    ("sample", "render", "name"),
    [
        pytest.param(samples.INVOICE_ZH, samples.scanned_pdf, "扫描.pdf", id="zh invoice scan"),
        pytest.param(samples.INVOICE_EN, samples.png, "invoice.png", id="en invoice png"),
        pytest.param(samples.DIAGNOSIS_ZH, samples.png, "诊断.png", id="zh certificate png"),
        pytest.param(samples.DIAGNOSIS_EN, samples.jpeg, "cert.jpg", id="en certificate jpeg"),
    ],
)
def test_pictures_and_scans_are_read_by_ocr_and_classified_with_exact_fields(
    world, claim, customer, sample, render, name
):
    response = upload(world, customer, claim["id"], render(sample), name)
    assert response.status_code == 201, response.text
    document = response.json()
    assert document["status"] == "read"
    assert document["ocr_pages"] == 1
    assert document["detected_kind"] == sample.kind
    assert {k: document["fields"].get(k) for k in sample.fields} == sample.fields


# ---------------------------------------------------------------- completeness (text layer)


def test_an_incomplete_claim_gets_one_request_listing_everything_missing(world, claim, customer):
    upload(world, customer, claim["id"], samples.pdf(samples.INVOICE_ZH), "发票.pdf")
    after = world.claim(customer, claim["id"])
    assert after["status"] == "awaiting_documents"
    events = world.client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=customer).json()
    requests = [e for e in events if e["kind"] == "request_documents"]
    assert len(requests) == 1
    missing = [k for k in MEDICAL_KINDS if k != "itemised_invoice"]
    assert requests[0]["data"]["documents"] == missing
    keyed(requests[0], "history.documents_requested")
    zh = next(
        e for e in world.timeline(customer, claim["id"], "zh-CN") if e["id"] == requests[0]["id"]
    )
    en = next(
        e for e in world.timeline(customer, claim["id"], "en") if e["id"] == requests[0]["id"]
    )
    assert zh["text"].startswith("请补充以下材料：") and zh["text"].endswith("。")
    assert "疾病诊断证明书（须显示：" in zh["text"] and said_in(zh["text"], "zh-CN")
    assert en["text"].startswith("Please provide the following: ")
    assert "Discharge summary (must show:" in en["text"] and said_in(en["text"], "en")
    assert requests[0]["actor_id"] is None  # the system, not a person

    upload(world, customer, claim["id"], samples.pdf(samples.ID_CARD_ZH), "id.pdf")
    assert timeline_kinds(world, customer, claim["id"]).count("request_documents") == 1


def test_a_complete_claim_returns_to_review_and_starts_the_statutory_clock(world, claim, customer):
    for sample in samples.MEDICAL:
        response = upload(world, customer, claim["id"], samples.pdf(sample), f"{sample.name}.pdf")
        assert response.json()["kind"] == sample.kind
    after = world.claim(customer, claim["id"])
    assert after["status"] == "under_review"
    assert after["statutory"]["completed_at"] == "2026-06-15T02:00:00Z"
    assert after["statutory"]["state"] == "on_track"
    kinds = timeline_kinds(world, customer, claim["id"])
    assert kinds.count("request_documents") == 1
    assert kinds[-1] == "submit_documents"
    keyed(world.timeline(customer, claim["id"])[-1], "history.documents_complete")
    assert world.timeline(customer, claim["id"], "zh-CN")[-1]["text"] == "所需材料已齐全。"
    english = world.timeline(customer, claim["id"], "en")[-1]["text"]
    assert english == "All required documents have been received."

    report = world.client.get(f"/api/v1/claims/{claim['id']}/completeness", headers=customer)
    body = report.json()
    assert body["complete"] is True
    assert body["missing"] == [] and body["mismatched"] == []
    assert [p["kind"] for p in body["present"]] == [
        "itemised_invoice",
        "diagnosis_certificate",
        "discharge_summary",
        "id_card",
        "bank_account_proof",
    ]
    assert body["invoiced_total"] == "2034.50" == body["claimed_amount"]


def test_completeness_lists_missing_documents_with_what_they_must_show(world, claim, customer):
    body = world.client.get(f"/api/v1/claims/{claim['id']}/completeness", headers=customer).json()
    assert body["complete"] is False
    assert [m["kind"] for m in body["missing"]] == MEDICAL_KINDS
    invoice = body["missing"][2]
    assert invoice["name_zh"] == "医疗费用发票及费用明细清单"
    assert "total" in invoice["must_show_en"]


def test_an_invoice_for_someone_else_outside_the_policy_period_is_a_mismatch(
    world, claim, customer
):
    lines = tuple(
        line.replace("王小明", "李四").replace("2026年06月03日", "2025年12月20日")
        for line in samples.INVOICE_ZH.lines
    )
    foreign = replace(samples.INVOICE_ZH, lines=lines)
    upload(world, customer, claim["id"], samples.pdf(foreign), "invoice.pdf")
    body = world.client.get(f"/api/v1/claims/{claim['id']}/completeness", headers=customer).json()
    codes = {(m["code"], m["value"]) for m in body["mismatched"]}
    assert codes == {
        ("person_not_insured", "李四"),
        ("date_outside_policy_period", "2025-12-20"),
    }
    assert "2026-01-01" in body["mismatched"][1]["message_en"]


def test_english_documents_match_the_insured_by_english_name(world, claim, customer):
    upload(world, customer, claim["id"], samples.pdf(samples.INVOICE_EN), "invoice.pdf")
    body = world.client.get(f"/api/v1/claims/{claim['id']}/completeness", headers=customer).json()
    assert body["mismatched"] == []
    assert body["present"][0]["kind"] == "itemised_invoice"


def test_a_declared_kind_that_the_text_contradicts_is_reported(world, claim, customer):
    upload(world, customer, claim["id"], samples.pdf(samples.BANK_ZH), "x.pdf", kind="id_card")
    body = world.client.get(f"/api/v1/claims/{claim['id']}/completeness", headers=customer).json()
    assert [m["code"] for m in body["mismatched"]] == ["kind_differs"]
    assert body["present"][0]["kind"] == "id_card"  # the customer's word stands


def test_a_picture_without_text_is_unreadable_and_named_in_the_request(world, claim, customer):
    blank = samples.png(replace(samples.BANK_ZH, lines=()))
    document = upload(world, customer, claim["id"], blank, "blurry.png").json()
    assert document["status"] == "unreadable"
    assert "sharper" in document["error"]
    body = world.client.get(f"/api/v1/claims/{claim['id']}/completeness", headers=customer).json()
    assert [u["filename"] for u in body["unreadable"]] == ["blurry.png"]
    events = world.timeline(customer, claim["id"], "en")
    request = next(e for e in events if e["kind"] == "request_documents")
    keyed(request, "history.documents_requested")
    assert "'blurry.png' could not be read" in request["text"]
    chinese = next(
        e for e in world.timeline(customer, claim["id"], "zh-CN") if e["id"] == request["id"]
    )
    assert "“blurry.png”无法识别" in chinese["text"]


def test_a_damage_photo_needs_no_text(world):
    motor = world.policy(world.customer("赵六"), "MOTOR-COMP")
    agent = world.staff(Role.AGENT)
    claim = world.report(
        agent, motor, claim_type="vehicle_damage", channel="counter", amount="8650.00"
    ).json()
    photo = samples.png(replace(samples.BANK_ZH, lines=()))
    document = upload(world, agent, claim["id"], photo, "bumper.png", kind="damage_photos").json()
    assert (document["status"], document["kind"]) == ("read", "damage_photos")


# ---------------------------------------------------------------- failures and retries


class BrokenOcr:
    def read(self, image):
        raise RuntimeError("tesseract crashed")


def test_a_reading_failure_marks_the_document_unreadable_and_keeps_it(
    world, claim, customer, monkeypatch
):
    monkeypatch.setattr(world.container, "ocr", BrokenOcr())  # a fake through the container
    data = samples.png(samples.INVOICE_EN)
    document = upload(world, customer, claim["id"], data, "invoice.png").json()
    assert document["status"] == "unreadable"
    assert "RuntimeError" in document["error"]
    content = world.client.get(
        f"/api/v1/claims/{claim['id']}/documents/{document['id']}/content", headers=customer
    )
    assert content.content == data


def test_reading_again_changes_nothing(world, container, claim, customer):
    document = upload(world, customer, claim["id"], samples.pdf(samples.INVOICE_EN), "i.pdf")
    before = document.json()
    events_before = timeline_kinds(world, customer, claim["id"])
    service.process_document(
        container.sessions,
        document_id=before["id"],
        store=container.blobs,
        ocr=TesseractOcr(),
        clock=container.clock,
        settings=container.settings,
    )
    listed = world.client.get(f"/api/v1/claims/{claim['id']}/documents", headers=customer)
    assert listed.json() == [before]
    assert timeline_kinds(world, customer, claim["id"]) == events_before
