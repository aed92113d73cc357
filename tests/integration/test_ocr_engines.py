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


def test_lines_found_on_the_scaled_down_picture_are_placed_on_the_full_one():
    # a 3,300 px wide scan: detection sees it at 960 px, recognition reads the full picture
    from claimdesk.documents.reading import DETECTION_SIDE, RapidOcr
    from tests import samples

    page = samples.render_image(samples.INVOICE_EN)
    big = page.resize((page.width * 2, page.height * 2))
    assert max(big.size) > 3 * DETECTION_SIDE
    boxes = RapidOcr(threads=1).boxes(big)
    assert any("2,034.50" in text for _corners, text, _score in boxes)
    invoice_number = next(c for c, text, _score in boxes if "INV-2026-0042" in text)
    # the line was drawn at (100, 152) on the page, 40 px high: (200, 304), 80 px high here
    left = min(x for x, _y in invoice_number)
    top, bottom = min(y for _x, y in invoice_number), max(y for _x, y in invoice_number)
    assert 170 <= left <= 215 and 280 <= top <= 315 and 360 <= bottom <= 420, invoice_number
    assert all(0 <= x < big.width and 0 <= y < big.height for c, _t, _s in boxes for x, y in c)
