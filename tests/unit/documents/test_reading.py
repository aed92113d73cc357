"""Getting text out of files, with a fake OCR engine that records what it was shown."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter

from claimdesk.documents.enums import MediaType
from claimdesk.documents.reading import read_text
from tests import samples


class FakeOcr:
    def __init__(self, text: str = "OCR TEXT from the picture") -> None:
        self.text = text
        self.seen: list[Image.Image] = []

    def read(self, image: Image.Image) -> str:
        self.seen.append(image)
        return self.text


def test_a_pdf_with_a_text_layer_needs_no_ocr():
    ocr = FakeOcr()
    reading = read_text(samples.pdf(samples.INVOICE_ZH), MediaType.PDF, ocr=ocr)
    assert "合计（小写）：¥2,034.50" in reading.text
    assert (reading.pages, reading.ocr_pages, ocr.seen) == (1, 0, [])


def test_only_the_pages_without_text_are_rendered_for_ocr():
    writer = PdfWriter()
    for data in (samples.pdf(samples.INVOICE_EN), samples.scanned_pdf(samples.INVOICE_ZH)):
        writer.append(io.BytesIO(data))
    buffer = io.BytesIO()
    writer.write(buffer)
    ocr = FakeOcr()
    reading = read_text(buffer.getvalue(), MediaType.PDF, ocr=ocr)
    assert (reading.pages, reading.ocr_pages) == (2, 1)
    assert "Total amount: CNY 2,034.50" in reading.text and "OCR TEXT" in reading.text
    page = ocr.seen[0]
    assert page.mode == "L"
    assert 2400 <= page.width <= 2500  # an A4 page at 300 dpi


def test_a_photo_is_turned_upright_and_grey_before_ocr():
    photo = Image.new("RGB", (300, 100), "white")
    exif = photo.getexif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", exif=exif)
    ocr = FakeOcr()
    read_text(buffer.getvalue(), MediaType.JPEG, ocr=ocr)
    assert (ocr.seen[0].size, ocr.seen[0].mode) == ((100, 300), "L")
