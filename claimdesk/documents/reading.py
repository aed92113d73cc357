"""Getting the text out of a document: a PDF's text layer, OCR where a page has none.

OCR is behind :class:`OcrEngine`. Two real engines: :class:`RapidOcr` (PaddleOCR's PP-OCRv4
models run by ONNX Runtime; ``rapidocr-onnxruntime`` ships them inside its wheel, nothing is
fetched) and :class:`TesseractOcr` (Debian's ``tesseract-ocr`` with ``chi_sim`` and ``eng``).
:func:`default_ocr` gives the one the figures chose (docs/benchmarks.md, "Reading phone
photos"); tests can pass a fake.
"""

from __future__ import annotations

import io
import math
import os
import threading
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import pypdfium2
import pytesseract
from PIL import Image, ImageOps
from pypdf import PdfReader

from claimdesk.documents.enums import MediaType
from claimdesk.documents.rules import has_text

RENDER_DPI = 300
MAX_RENDER_PIXELS = 12_000_000  # an A4 page at 300 dpi is 8.7 megapixels
# Detection runs on the picture scaled to at most this many pixels a side (a phone photo's
# text lines stay 15 px or more high); 736 lost fields on the evaluation set (docs/benchmarks.md).
DETECTION_SIDE = 960
# Lines recognised one at a time: in a batch every line is padded to the widest one's length,
# which cost about 45 % more recognition CPU than one by one on the evaluation set.
RECOGNITION_BATCH = 1


class OcrEngine(Protocol):
    def read(self, image: Image.Image) -> str: ...


class TesseractOcr:
    """Tesseract through pytesseract; Chinese (simplified) and English by default."""

    def __init__(self, languages: str = "chi_sim+eng", timeout_seconds: int = 120) -> None:
        self.languages = languages
        self.timeout_seconds = timeout_seconds

    def read(self, image: Image.Image) -> str:
        text: str = pytesseract.image_to_string(
            image, lang=self.languages, config="--psm 3", timeout=self.timeout_seconds
        )
        return text


class RapidOcr:
    """PP-OCRv4 detection, orientation and recognition (Chinese and English in one model) on
    the CPU through ONNX Runtime. Boxes are put back into lines by position: boxes whose
    vertical centres lie within half a line of each other form a line, read left to right.

    Detection runs on the picture scaled down to at most ``detection_side`` pixels a side;
    the boxes it finds are scaled back and each line is cut from the full picture for
    recognition, so small print keeps its detail. (RapidOCR's own ``det_limit_side_len``
    cannot do this: with ``det_limit_type="max"`` version 1.4 replaces it by 960, 1500 or
    2000 depending on the picture's size, so a 1,300 px photo was detected at full size.)
    ``line_orientation`` runs the classifier that turns upside-down lines (cheap: about 1 %
    of a page's CPU time).

    Loading the models takes about a second, so one instance is shared (it is thread-safe:
    calls are serialised; ONNX Runtime uses ``threads`` cores inside each call).
    """

    def __init__(
        self,
        threads: int | None = None,
        *,
        detection_side: int = DETECTION_SIDE,
        recognition_batch: int = RECOGNITION_BATCH,
        line_orientation: bool = True,
    ) -> None:
        from rapidocr_onnxruntime import RapidOCR  # imported here: ~1 s to load the models

        self.threads = threads or min(os.cpu_count() or 1, 4)
        self.detection_side = detection_side
        self.line_orientation = line_orientation
        self._engine: Any = RapidOCR(
            intra_op_num_threads=self.threads,
            inter_op_num_threads=1,
            print_verbose=False,
            # "max": never scaled up (the default, "min", scales the short side up to 736)
            det_limit_type="max",
            rec_batch_num=recognition_batch,
        )
        self._lock = threading.Lock()

    def read(self, image: Image.Image) -> str:
        with self._lock:
            return lines_from_boxes(self.boxes(image))

    def boxes(self, image: Image.Image) -> list[list[Any]]:
        """``[corners, text, score]`` for each line of text found, corners in ``image``'s
        pixels; lines read with a score under RapidOCR's ``text_score`` are left out."""
        import cv2
        import numpy as np

        engine = self._engine
        pixels = np.asarray(image.convert("RGB"))[:, :, ::-1]  # BGR, as OpenCV has it
        height, width = pixels.shape[:2]
        scale = min(1.0, self.detection_side / max(height, width, 1))
        small = pixels
        if scale < 1.0:
            size = (max(round(width * scale), 1), max(round(height * scale), 1))
            small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
        found, _seconds = engine.auto_text_det(np.ascontiguousarray(small))
        if not found:
            return []
        corners = np.array(found, dtype=np.float32) / scale
        corners[..., 0] = np.clip(corners[..., 0], 0, width - 1)
        corners[..., 1] = np.clip(corners[..., 1], 0, height - 1)
        crops = engine.get_crop_img_list(pixels, list(corners))
        if self.line_orientation:
            crops, _turned, _seconds = engine.text_cls(crops)
        read, _seconds = engine.text_rec(crops)
        return [
            [box.tolist(), text, float(score)]
            for box, (text, score, *_rest) in zip(corners, read, strict=True)
            if float(score) >= engine.text_score
        ]


def lines_from_boxes(boxes: list[list[Any]]) -> str:
    """OCR boxes ``[corners, text, score]`` as lines of text, top to bottom, left to right.

    A photo is rarely level: the page's tilt is the median slope of the boxes' top edges, and
    boxes are grouped into lines by their centres measured across that tilt.
    """
    if not boxes:
        return ""
    slopes = sorted(
        math.atan2(c[1][1] - c[0][1], c[1][0] - c[0][0])
        for c, _text, _score in boxes
        if c[1][0] - c[0][0] > 0
    )
    tilt = slopes[len(slopes) // 2] if slopes else 0.0
    sin, cos = math.sin(tilt), math.cos(tilt)
    placed = []
    for corners, text, _score in boxes:
        x = sum(point[0] for point in corners) / 4
        y = sum(point[1] for point in corners) / 4
        height = math.dist(corners[0], corners[3]) or 1.0
        across, along = -x * sin + y * cos, x * cos + y * sin
        placed.append((across, height, along, text))
    placed.sort()
    lines: list[list[tuple[float, str]]] = []
    last_centre, last_height = -1e9, 0.0
    for across, height, along, text in placed:
        if lines and abs(across - last_centre) <= 0.5 * min(height, last_height):
            lines[-1].append((along, text))
        else:
            lines.append([(along, text)])
            last_centre, last_height = across, height
    return "\n".join("  ".join(text for _, text in sorted(line)) for line in lines)


class PerThreadRapidOcr:
    """One :class:`RapidOcr` per thread, each on one core: the job runner's worker threads
    (two by default, ``claimdesk worker --workers``) read two documents at once, one per
    core, which costs less CPU per page than two cores on one document (docs/benchmarks.md).
    ONNX Runtime releases the GIL while it computes, so the threads do run in parallel. Each
    engine is made on its thread's first page and kept for every later job: the models are
    loaded once per worker thread, not per document."""

    def __init__(self) -> None:
        self._local = threading.local()

    def read(self, image: Image.Image) -> str:
        engine: RapidOcr | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = self._local.engine = RapidOcr(threads=1)
        return engine.read(image)


@cache
def default_ocr() -> OcrEngine:
    """The engine the benchmark chose for phone photos and scans of claim papers."""
    return PerThreadRapidOcr()


@dataclass(frozen=True)
class TextReading:
    text: str
    pages: int
    ocr_pages: int


def read_text(
    data: bytes, mime: MediaType, *, ocr: OcrEngine, drop_seals: bool = False
) -> TextReading:
    if mime == MediaType.PDF:
        return _read_pdf(data, ocr)
    with Image.open(io.BytesIO(data)) as image:
        return TextReading(ocr.read(prepare(image, drop_seals=drop_seals)), pages=1, ocr_pages=1)


MAX_PHOTO_SIDE = 2000  # a 12-megapixel phone photo is scaled down to this first


def prepare(image: Image.Image, *, drop_seals: bool = False) -> Image.Image:
    """Upright (phone photos carry their rotation in EXIF), at most 2000 px a side, greyscale.

    With ``drop_seals`` a colour picture becomes the red channel: there red ink (a seal
    stamped over the text) is nearly as light as the paper, while black and blue ink stay
    dark. Off by default: on the sealed pictures of the evaluation set RapidOCR read every
    field either way (docs/benchmarks.md), and forms printed in red ink (many Chinese
    invoice templates) would lose their labels.
    """
    image = ImageOps.exif_transpose(image)
    if max(image.size) > MAX_PHOTO_SIDE:
        image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE), Image.Resampling.LANCZOS)
    if drop_seals and image.mode in ("RGB", "RGBA", "CMYK", "P", "YCbCr"):
        return image.convert("RGB").getchannel("R")
    return image.convert("L")


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
        picture: Image.Image = page.render(scale=scale, grayscale=True).to_pil()
        return picture
    finally:
        page.close()
