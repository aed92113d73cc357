"""Checking an upload before anything is stored: its type from the bytes, its size, its shape.

Refusals say why, so the customer can fix the file: ``TooLarge`` (413),
``UnsupportedMediaType`` (415) or ``ValidationFailed`` (422) with a ``reason`` detail.
Whatever a parser (pypdf, pdfium, Pillow) raises on a file's bytes means the file is
damaged: hostile bytes reach code paths that fail with any exception (an AssertionError on
an impossible page count, a KeyError on a missing entry), so every one is a 422.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pypdfium2
from PIL import Image
from pypdf import PdfReader

from claimdesk.core.errors import TooLarge, UnsupportedMediaType, ValidationFailed
from claimdesk.documents.enums import MediaType

MAX_PAGES = 100
MAX_IMAGE_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; a bomb does not
MAX_IMAGE_SIDE = 20_000
MAX_PAGE_POINTS = 200 * 72  # 200 inches: larger than any real page

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (or a Word/Excel file)"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)


@dataclass(frozen=True)
class Inspected:
    mime: MediaType
    pages: int
    width: int | None = None
    height: int | None = None


def _refuse(reason: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": "file", "reason": reason}])


def sniff(data: bytes) -> MediaType:
    """The file's type from its first bytes; the name and the declared type are not trusted."""
    if data.startswith(b"%PDF-"):
        return MediaType.PDF
    if data.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    looks_like = next((what for magic, what in _SIGNATURES if data.startswith(magic)), None)
    if looks_like is None and data[4:8] == b"ftyp":
        looks_like = "an HEIC/HEIF photo or a video (set the phone camera to 'Most Compatible')"
    if looks_like is None:
        looks_like = "text" if _is_text(data[:512]) else "of an unknown type"
    raise UnsupportedMediaType(
        f"This file is {looks_like}. Upload a PDF, JPEG or PNG file.",
        details=[{"field": "file", "reason": "unsupported_type"}],
    )


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def inspect_upload(data: bytes, *, max_bytes: int) -> Inspected:
    """Accept the file or raise a refusal that says what is wrong with it."""
    if not data:
        raise _refuse("empty", "The file is empty (0 bytes). Choose the file again and upload it.")
    if len(data) > max_bytes:
        raise TooLarge(
            f"The file is larger than the {max_bytes / 1_048_576:g} MB limit. "
            "Scan at a lower resolution or split it into several files.",
            details=[{"field": "file", "reason": "too_large", "limit_bytes": max_bytes}],
        )
    mime = sniff(data)
    if mime == MediaType.PDF:
        return _inspect_pdf(data)
    return _inspect_image(data, mime)


def _inspect_pdf(data: bytes) -> Inspected:
    if b"%%EOF" not in data[-2048:]:
        raise _refuse(
            "truncated_pdf",
            "This PDF is incomplete (its end is missing); the upload or download was cut off. "
            "Save the PDF again and upload it.",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise _refuse(
                    "encrypted_pdf",
                    "This PDF is password-protected. Remove the password (print it to a new PDF) "
                    "and upload it again.",
                )
            pages = len(reader.pages)
            sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
        _open_with_pdfium(data)  # scanned pages are rendered with pdfium for OCR later
    except ValidationFailed:
        raise
    except Exception as exc:  # any parser failure on these bytes: see the module docstring
        raise _refuse(
            "malformed_pdf", f"This PDF is damaged and cannot be opened ({type(exc).__name__})."
        ) from exc
    if pages == 0:
        raise _refuse("malformed_pdf", "This PDF has no pages.")
    if pages > MAX_PAGES:
        raise _refuse(
            "too_many_pages", f"This PDF has {pages} pages; at most {MAX_PAGES} are accepted."
        )
    if any(not (0 < w <= MAX_PAGE_POINTS and 0 < h <= MAX_PAGE_POINTS) for w, h in sizes):
        raise _refuse("absurd_dimensions", "This PDF has a page of impossible size.")
    return Inspected(MediaType.PDF, pages)


def _inspect_image(data: bytes, mime: MediaType) -> Inspected:
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, above its own pixel limit: both are a bomb to us.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            _check_dimensions(width, height)
            image.load()  # decodes every byte: a truncated or corrupt image fails here
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(
            "decompression_bomb",
            "This image would expand to an impossible size in memory; it is refused.",
        ) from exc
    except Exception as exc:  # any parser failure on these bytes: see the module docstring
        raise _refuse(
            "malformed_image",
            f"This image is damaged or incomplete and cannot be opened ({exc}). "
            "Take or save the picture again.",
        ) from exc
    return Inspected(mime, 1, width, height)


def _open_with_pdfium(data: bytes) -> None:
    document = pypdfium2.PdfDocument(data)
    try:
        if len(document) == 0:
            raise ValueError("pdfium finds no pages")
    finally:
        document.close()


def _check_dimensions(width: int, height: int) -> None:
    if (
        width <= 0
        or height <= 0
        or max(width, height) > MAX_IMAGE_SIDE
        or width * height > MAX_IMAGE_PIXELS
    ):
        raise _refuse(
            "absurd_dimensions",
            f"This image claims to be {width} × {height} pixels, far larger than any photo or "
            f"scan (at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels); it is refused.",
        )
