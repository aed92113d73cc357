"""Getting the text out of a document: a PDF's text layer, OCR where a page has none.

OCR is behind :class:`OcrEngine`; :class:`TesseractOcr` is the real one (Debian's
``tesseract-ocr`` with the ``chi_sim`` and ``eng`` models), tests can pass a fake.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import Protocol

import pypdfium2
import pytesseract
from PIL import Image, ImageOps
from pypdf import PdfReader

from claimdesk.documents.enums import MediaType
from claimdesk.documents.rules import has_text

RENDER_DPI = 300
MAX_RENDER_PIXELS = 12_000_000  # an A4 page at 300 dpi is 8.7 megapixels


class OcrEngine(Protocol):
    def read(self, image: Image.Image) -> str: ...


class TesseractOcr:
    """Tesseract through pytesseract; Chinese (simplified) and English by default."""

    def __init__(self, languages: str = "chi_sim+eng", timeout_seconds: int = 120) -> None:
        self.languages = languages
        self.timeout_seconds = timeout_seconds

    def read(self, image: Image.Image) -> str:
        return pytesseract.image_to_string(
            image, lang=self.languages, config="--psm 3", timeout=self.timeout_seconds
        )


@dataclass(frozen=True)
class TextReading:
    text: str
    pages: int
    ocr_pages: int


def read_text(data: bytes, mime: MediaType, *, ocr: OcrEngine) -> TextReading:
    if mime == MediaType.PDF:
        return _read_pdf(data, ocr)
    with Image.open(io.BytesIO(data)) as image:
        return TextReading(ocr.read(prepare(image)), pages=1, ocr_pages=1)


def prepare(image: Image.Image) -> Image.Image:
    """Upright (phone photos carry their rotation in EXIF) and greyscale."""
    return ImageOps.exif_transpose(image).convert("L")


def _read_pdf(data: bytes, ocr: OcrEngine) -> TextReading:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(data))
        texts = [page.extract_text() or "" for page in reader.pages]
    scanned = [number for number, text in enumerate(texts) if not has_text(text)]
    if scanned:
        document = pypdfium2.PdfDocument(data)
        try:
            for number in scanned:
                texts[number] = ocr.read(render_page(document, number))
        finally:
            document.close()
    return TextReading("\n".join(texts), pages=len(texts), ocr_pages=len(scanned))


def render_page(document: pypdfium2.PdfDocument, number: int) -> Image.Image:
    """The page as a greyscale picture at 300 dpi (less for very large pages)."""
    page = document[number]
    try:
        width, height = page.get_size()  # points
        scale = min(RENDER_DPI / 72, math.sqrt(MAX_RENDER_PIXELS / max(width * height, 1)))
        return page.render(scale=scale, grayscale=True).to_pil()
    finally:
        page.close()
