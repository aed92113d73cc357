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


def test_a_red_seal_fades_into_the_paper_while_black_ink_stays():
    from claimdesk.documents.reading import prepare

    photo = Image.new("RGB", (30, 10), (250, 248, 240))
    photo.paste((20, 20, 20), (0, 0, 10, 10))  # black ink
    photo.paste((210, 40, 50), (10, 0, 20, 10))  # seal red
    grey = prepare(photo, drop_seals=True)
    assert grey.mode == "L"
    assert grey.getpixel((5, 5)) < 40 and grey.getpixel((15, 5)) > 200
    assert prepare(photo).getpixel((15, 5)) < 120  # off by default: the seal stays grey


def test_ocr_boxes_become_lines_across_the_tilt_of_the_photo():
    from claimdesk.documents.reading import lines_from_boxes

    # a page tilted by about 6 degrees: the value sits 40 px lower than its label
    def box(x, y, text):
        return [[[x, y], [x + 200, y + 21], [x + 197, y + 51], [x - 3, y + 30]], text, 0.99]

    boxes = [box(400, 140, "董萱桐"), box(100, 100, "患者姓名"), box(105, 160, "性别")]
    assert lines_from_boxes(boxes) == "患者姓名  董萱桐\n性别"
    assert lines_from_boxes([]) == ""
