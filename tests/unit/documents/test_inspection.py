"""Checking uploads from their bytes alone."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from claimdesk.core.errors import TooLarge, UnsupportedMediaType, ValidationFailed
from claimdesk.documents.enums import MediaType
from claimdesk.documents.inspection import inspect_upload, sniff
from tests import samples

LIMIT = 20 * 1024 * 1024


def image_bytes(fmt: str, size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format=fmt)
    return buffer.getvalue()


def reason(error: ValidationFailed) -> str:
    return error.details[0]["reason"]


def test_type_comes_from_the_bytes():
    assert sniff(samples.pdf(samples.BANK_ZH)) == MediaType.PDF
    assert sniff(image_bytes("JPEG")) == MediaType.JPEG
    assert sniff(image_bytes("PNG")) == MediaType.PNG


@pytest.mark.parametrize(
    ("fmt", "described"), [("GIF", "a GIF image"), ("TIFF", "a TIFF image"), ("BMP", "a BMP")]
)
def test_other_image_types_are_refused_by_name(fmt, described):
    with pytest.raises(UnsupportedMediaType, match=described):
        sniff(image_bytes(fmt))


def test_an_heic_photo_is_refused_with_advice():
    with pytest.raises(UnsupportedMediaType, match="Most Compatible"):
        sniff(b"\x00\x00\x00\x18ftypheic" + bytes(32))


def test_accepted_files_report_their_pages_and_size():
    assert inspect_upload(samples.pdf(samples.BANK_ZH), max_bytes=LIMIT).pages == 1
    png = inspect_upload(image_bytes("PNG", (640, 480)), max_bytes=LIMIT)
    assert (png.mime, png.width, png.height) == (MediaType.PNG, 640, 480)


def test_one_byte_over_the_limit_is_too_large():
    data = image_bytes("PNG")
    assert inspect_upload(data, max_bytes=len(data)).mime == MediaType.PNG
    with pytest.raises(TooLarge):
        inspect_upload(data, max_bytes=len(data) - 1)


def test_a_pdf_with_an_absurd_page_size_is_refused():
    data = samples.pdf(samples.BANK_ZH).replace(
        b"/MediaBox [0 0 595.28 841.89]", b"/MediaBox [0 0 99999 841.89]"
    )
    assert b"99999" in data
    with pytest.raises(ValidationFailed) as caught:
        inspect_upload(data, max_bytes=LIMIT)
    assert reason(caught.value) == "absurd_dimensions"


def test_an_image_too_tall_to_be_a_photo_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        inspect_upload(image_bytes("PNG", (10, 25_000)), max_bytes=LIMIT)
    assert reason(caught.value) == "absurd_dimensions"


def test_a_truncated_jpeg_is_refused():
    data = samples.jpeg(samples.BANK_ZH)
    with pytest.raises(ValidationFailed) as caught:
        inspect_upload(data[: len(data) // 2], max_bytes=LIMIT)
    assert reason(caught.value) == "malformed_image"


def damaged(data: bytes, seed: int) -> bytes:
    """The file with a few bytes of its body overwritten (its signature and end kept)."""
    rng = random.Random(seed)
    body = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        start = rng.randrange(16, len(body) - 64)
        body[start : start + rng.randint(1, 24)] = rng.randbytes(rng.randint(0, 24))
    return bytes(body)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("pdf", lambda: samples.pdf(samples.INVOICE_EN)),
        ("scanned pdf", lambda: samples.scanned_pdf(samples.INVOICE_EN)),
        ("png", lambda: samples.png(samples.INVOICE_EN)),
        ("jpeg", lambda: samples.jpeg(samples.INVOICE_EN)),
    ],
)
def test_damaged_files_are_accepted_or_refused_as_damaged_never_anything_else(name, make):
    data = make()
    for seed in range(60):
        try:
            inspect_upload(damaged(data, seed), max_bytes=len(data) + 1024)
        except ValidationFailed as refusal:
            assert refusal.details[0]["reason"].startswith(("malformed", "truncated")), seed


def test_a_pdf_whose_page_tree_breaks_the_parser_is_a_damaged_file():
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    looping_pages = b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"
    with pytest.raises(ValidationFailed) as refusal:
        inspect_upload(minimal_pdf(catalog, looping_pages), max_bytes=10_000)
    assert refusal.value.details[0]["reason"] == "malformed_pdf"


def minimal_pdf(*objects: bytes) -> bytes:
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    return out + f"startxref\n{xref}\n%%EOF\n".encode()
