"""The real OCR engine on a few pictures of the benchmark's evaluation set (phone photos with
skew, uneven light, blur, red seals, JPEG): the fields come out exact. A few only: OCR is slow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimdesk.documents import rules
from claimdesk.documents.enums import MediaType
from claimdesk.documents.reading import default_ocr, read_text

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "documents"
TRUTH = {
    r["file"]: r for r in map(json.loads, (DATA / "truth.jsonl").read_text("utf-8").splitlines())
}


@pytest.mark.parametrize(
    "name",
    [
        "054-itemised_invoice-zh.jpg",  # table, tilted, seal, 大写 amount
        "012-bank_account_proof-zh.jpg",  # card number (Luhn) and holder
        "010-id_card-zh.jpg",  # ID number (GB 11643)
    ],
)
def test_a_phone_photo_is_read_with_exact_fields(name):
    truth = TRUTH[name]
    reading = read_text((DATA / name).read_bytes(), MediaType.JPEG, ocr=default_ocr())
    outcome = rules.understand(reading.text, rules.reading_rules(), declared_kind=None)
    assert outcome.detected_kind == truth["kind"]
    assert {k: outcome.fields.get(k) for k in truth["fields"]} == truth["fields"]
    assert all(
        outcome.confidence[k] >= rules.reading_rules().min_confidence for k in truth["fields"]
    )
