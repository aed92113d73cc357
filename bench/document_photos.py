"""Reading phone photos of claim papers: each OCR engine on the evaluation set, side by side.

The set is ``bench/data/documents/`` (made by ``bench/make_documents.py``; 168 pictures like
phone photos and 12 clean PDFs, a dev and a test split, ground truth per field). For each
engine (RapidOCR's PP-OCRv4 through ONNX Runtime, Tesseract ``chi_sim+eng``) every document of
the split is read the way the reading job reads it (``read_text``: upright greyscale,
then OCR; a PDF's text layer needs none) and understood (``rules.understand``: classify,
extract fields with their confidence). Printed and written per engine:

- classification accuracy (the detected kind is the true kind);
- field accuracy: a field is right when the value read equals the truth exactly (amounts to
  the cent, dates as YYYY-MM-DD), per field and over all, and for invoice totals and dates;
- how many wrong fields were flagged "needs a look" (confidence under the threshold) rather
  than passed on as if right;
- pages/s: wall time of reading and understanding, and CPU seconds per page (this process and
  its children: comparable when the machine is shared; the load average is printed with it).
  RapidOCR is measured twice: as the reading job runs it (two worker threads, each with its own
  engine on one core, two documents at once; ``PerThreadRapidOcr``) and one document at a time
  with both cores inside each call. When the machine is shared, the idle 2-core rate is
  2 / (CPU seconds per page) at best.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, process_time

from bench.common import Target
from claimdesk.documents import rules
from claimdesk.documents.enums import MediaType
from claimdesk.documents.reading import (
    OcrEngine,
    PerThreadRapidOcr,
    RapidOcr,
    TesseractOcr,
    read_text,
)

TITLE = "Reading phone photos (engines side by side)"
DATA = Path(__file__).resolve().parent / "data" / "documents"


@dataclass(frozen=True)
class Engine:
    short: str  # the summary's label
    make: Callable[[], OcrEngine]
    workers: int  # documents read at once (threads), as the job runner's worker threads do


ENGINES: dict[str, Engine] = {
    "RapidOCR, reading job (2 workers x 1 core)": Engine("RapidOCR", PerThreadRapidOcr, 2),
    "RapidOCR, one at a time (2 cores per page)": Engine("RapidOCR-1x2", RapidOcr, 1),
    "Tesseract chi_sim+eng": Engine("Tesseract", TesseractOcr, 1),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reading phone photos")
    group.add_argument(
        "--photos-split",
        choices=("test", "dev", "all"),
        default="test",
        help="which part of bench/data/documents to read (default test)",
    )
    group.add_argument(
        "--photos-engine",
        action="append",
        choices=sorted(ENGINES),
        help="only these engines (default: all)",
    )


def load(split: str = "test") -> list[dict[str, object]]:
    with (DATA / "truth.jsonl").open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return [r for r in records if split == "all" or r["split"] == split]


@dataclass
class Score:
    engine: str
    documents: int = 0
    pages: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    kind_right: int = 0
    fields: Counter[str] = field(default_factory=Counter)
    fields_right: Counter[str] = field(default_factory=Counter)
    invoice_fields: int = 0  # invoice totals and dates
    invoice_right: int = 0
    load: str = ""  # 1-minute load average at the start and at the end of the pass
    wrong_flagged: int = 0  # wrong fields that reading marked "needs a look"
    right_flagged: int = 0  # right fields marked "needs a look" anyway
    by_kind: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    misses: list[str] = field(default_factory=list)

    def add(self, record: dict[str, object], outcome: rules.Outcome, threshold: float) -> None:
        kind = str(record["kind"])
        truth: dict[str, str] = record["fields"]  # type: ignore[assignment]
        self.documents += 1
        kind_ok = outcome.detected_kind == kind
        self.kind_right += kind_ok
        self.by_kind[kind]["documents"] += 1
        self.by_kind[kind]["kind right"] += kind_ok
        wrong = []
        for name, expected in truth.items():
            got = outcome.fields.get(name)
            low = outcome.confidence.get(name, 0.0) < threshold
            self.fields[name] += 1
            self.by_kind[kind]["fields"] += 1
            totals_dates = kind == "itemised_invoice" and name in ("amount", "date")
            self.invoice_fields += totals_dates
            if got == expected:
                self.invoice_right += totals_dates
                self.fields_right[name] += 1
                self.by_kind[kind]["fields right"] += 1
                self.right_flagged += low
            else:
                self.wrong_flagged += low or got is None
                wrong.append(f"{name}={got!r} (want {expected!r})")
        if wrong or not kind_ok:
            self.misses.append(
                f"{record['file']}: "
                + (f"kind {outcome.detected_kind}; " if not kind_ok else "")
                + "; ".join(wrong)
            )

    @property
    def all_fields(self) -> tuple[int, int]:
        return sum(self.fields_right.values()), sum(self.fields.values())


def score_engine(
    name: str,
    engine: OcrEngine,
    records: list[dict[str, object]],
    say: Callable[[str], None],
    *,
    workers: int = 1,
) -> Score:
    """Read and understand every record, ``workers`` documents at once; the wall and CPU
    time are those of the whole pass (Tesseract's child processes included)."""
    reading_rules = rules.reading_rules()
    result = Score(name)
    done = 0
    lock = threading.Lock()

    def one(record: dict[str, object]) -> tuple[int, rules.Outcome]:
        nonlocal done
        data = (DATA / str(record["file"])).read_bytes()
        mime = MediaType.PDF if str(record["file"]).endswith(".pdf") else MediaType.JPEG
        reading = read_text(data, mime, ocr=engine)
        outcome = rules.understand(reading.text, reading_rules, declared_kind=None)
        with lock:
            done += 1
            if done % 20 == 0:
                say(f"    {name}: {done}/{len(records)}")
        return reading.pages, outcome

    started_load = os.getloadavg()[0]
    wall, cpu = perf_counter(), _cpu()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        readings = list(pool.map(one, records))
    result.seconds = perf_counter() - wall
    result.cpu_seconds = _cpu() - cpu
    result.load = f"{started_load:.1f} → {os.getloadavg()[0]:.1f}"
    for record, (pages, outcome) in zip(records, readings, strict=True):
        result.pages += pages
        result.add(record, outcome, reading_rules.min_confidence)
    return result


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (Tesseract runs as one)."""
    times = os.times()
    return process_time() + times.children_user + times.children_system


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} % ({part}/{whole})" if whole else "-"


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def report(scores: list[Score], split: str, load_average: str) -> Result:
    names = [s.engine for s in scores]
    header = "| | " + " | ".join(names) + " |"
    rule = "|---|" + "---:|" * len(scores)

    def row(label: str, cell: Callable[[Score], str]) -> str:
        return f"| {label} | " + " | ".join(cell(s) for s in scores) + " |"

    def fields_of(s: Score, wanted: tuple[str, ...], kind: str | None = None) -> str:
        if kind:
            c = s.by_kind.get(kind, Counter())
            return _pct(c["fields right"], c["fields"])
        return _pct(sum(s.fields_right[f] for f in wanted), sum(s.fields[f] for f in wanted))

    rows = [
        header,
        rule,
        row("documents (pages)", lambda s: f"{s.documents} ({s.pages})"),
        row("classification right", lambda s: _pct(s.kind_right, s.documents)),
        row("fields exactly right, all kinds", lambda s: _pct(*s.all_fields)),
        row("invoice totals and dates", lambda s: _invoice_totals_dates(s)),
        row(
            "wrong fields flagged “needs a look”",
            lambda s: _pct(s.wrong_flagged, s.all_fields[1] - s.all_fields[0]),
        ),
        row("right fields flagged anyway", lambda s: _pct(s.right_flagged, s.all_fields[0])),
        row("load average (1 min) at start → end", lambda s: s.load),
        row("pages/s (wall)", lambda s: f"{s.pages / s.seconds:.2f}"),
        row("CPU seconds per page", lambda s: f"{s.cpu_seconds / max(s.pages, 1):.2f}"),
        row(
            "idle 2-core pages/s at most (2 / CPU s per page)",
            lambda s: f"{2 * s.pages / max(s.cpu_seconds, 1e-9):.2f}",
        ),
    ]
    every_field = sorted({f for s in scores for f in s.fields})
    rows += [row(f"field `{f}`", lambda s, f=f: fields_of(s, (f,))) for f in every_field]
    every_kind = sorted({k for s in scores for k in s.by_kind})
    rows += [
        row(
            f"kind {k}: classified / fields",
            lambda s, k=k: (
                _pct(s.by_kind[k]["kind right"], s.by_kind[k]["documents"])
                + " / "
                + fields_of(s, (), k)
            ),
        )
        for k in every_kind
    ]
    misses = [f"- {s.engine}: {m}" for s in scores for m in s.misses[:25]]
    markdown = "\n".join(
        [
            f"Split: **{split}**; load average during the run: {load_average} (2 cores).",
            "",
            *rows,
            "",
            "Documents read wrongly (first 25 per engine):" if misses else "Every field right.",
            *misses,
        ]
    )
    summary = {}
    for s in scores:
        short = ENGINES[s.engine].short if s.engine in ENGINES else s.engine
        right, total = s.all_fields
        summary[f"{short} fields"] = f"{100 * right / max(total, 1):.1f} %"
        summary[f"{short} kinds"] = f"{100 * s.kind_right / max(s.documents, 1):.1f} %"
        summary[f"{short} pages/s"] = f"{s.pages / s.seconds:.2f}"
        summary[f"{short} CPU s/page"] = f"{s.cpu_seconds / max(s.pages, 1):.2f}"
    return Result(summary, markdown)


def _invoice_totals_dates(s: Score) -> str:
    return _pct(s.invoice_right, s.invoice_fields)


_measured: dict[tuple[str, tuple[str, ...]], Result] = {}


def run(target: Target, args: argparse.Namespace) -> Result:
    """Reads files only: the database plays no part, so a run over several databases reads
    the documents once and reports the same figures for each."""
    del target
    say = print
    split = getattr(args, "photos_split", "test")
    records = load(split)
    chosen = getattr(args, "photos_engine", None) or list(ENGINES)
    key = (split, tuple(chosen))
    if key in _measured:
        return _measured[key]
    scores = []
    for name in chosen:
        say(f"  {name}: {len(records)} documents ...")
        engine = ENGINES[name]
        scores.append(score_engine(name, engine.make(), records, say, workers=engine.workers))
    load_average = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    result = report(scores, split, load_average)
    say(f"  {result.summary}")
    _measured[key] = result
    return result


if __name__ == "__main__":  # python -m bench.document_photos [--photos-split dev]
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    started = time.time()
    print(run(None, parser.parse_args()).markdown)  # type: ignore[arg-type]
    print(f"({time.time() - started:.0f} s)")
