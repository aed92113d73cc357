"""Assistant: retrieval quality on the evaluation set, answer latency and index build time.

Quality: the starter knowledge base is written out with `claimdesk assistant export-kb`
and the hand-paraphrased questions of ``bench/data/assistant_questions.jsonl`` (98 per
language, each naming its correct entry; a third marked ``dev``, used to choose the fusion
weight and confidence thresholds, the rest ``test``) are ranked by
`claimdesk assistant rank --top 3` once per method, as separate processes. Top-1 and
top-3 accuracy per language, method and split.

Latency (the database under test, the bundled E5 model on one thread):

1. index build: a fresh model (no cached passage vectors) embeds and indexes every
   published entry; baseline: reading the same entries from the database;
2. answers: every question sent to ``assistant.service.handle_message`` as an anonymous
   visitor, each in its own conversation and transaction (intent rules, E5 query, BM25,
   fusion, reply, two message rows); baseline: a plain BM25 query of the same question
   against the same index. p50 and p95 of each, and their ratio.

Time is ``time.perf_counter`` wall time; nothing is asserted about it.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from sqlalchemy import select

from bench.common import BENCH_NOW, Target
from claimdesk.assistant import service
from claimdesk.assistant.embedding import E5Embedder
from claimdesk.assistant.enums import EntryStatus
from claimdesk.assistant.models import KbEntry
from claimdesk.assistant.retrieval import Method
from claimdesk.assistant.schemas import MessageIn
from claimdesk.core.db import unit_of_work

TITLE = "Assistant answers"
QUESTIONS = Path(__file__).resolve().parent / "data" / "assistant_questions.jsonl"


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def _rank(kb: Path, method: Method, folder: Path) -> dict[str, list[str]]:
    out = folder / f"ranked-{method}.jsonl"
    subprocess.run(
        [
            *(sys.executable, "-m", "claimdesk", "assistant", "rank", "--kb", str(kb)),
            *("--queries", str(QUESTIONS), "--top", "3", "--out", str(out), "--method", method),
        ],
        check=True,
    )
    with out.open(encoding="utf-8") as handle:
        return {r["id"]: r["ranked"] for r in map(json.loads, handle)}


def quality() -> tuple[list[str], dict[str, str]]:
    questions = [json.loads(line) for line in QUESTIONS.read_text("utf-8").splitlines()]
    rows = [
        "| language | split | questions | method | top-1 | top-3 |",
        "|---|---|---|---|---|---|",
    ]
    summary = {}
    with tempfile.TemporaryDirectory() as folder:
        kb = Path(folder) / "kb.jsonl"
        subprocess.run(
            [sys.executable, "-m", "claimdesk", "assistant", "export-kb", "--out", str(kb)],
            check=True,
        )
        ranked = {method: _rank(kb, method, Path(folder)) for method in Method}
    for lang in ("en", "zh-CN"):
        for split in ("test", "dev"):
            chosen = [q for q in questions if q["lang"] == lang and q["split"] == split]
            for method in (Method.LEXICAL, Method.SEMANTIC, Method.FUSED):
                top1 = sum(ranked[method][q["id"]][:1] == [q["answer"]] for q in chosen)
                top3 = sum(q["answer"] in ranked[method][q["id"]] for q in chosen)
                n = len(chosen)
                rows.append(
                    f"| {lang} | {split} | {n} | {method} | {top1 / n:.3f} | {top3 / n:.3f} |"
                )
                if split == "test" and method == Method.FUSED:
                    summary[f"{lang} test top-1 / top-3 (fused)"] = (
                        f"{top1 / n:.3f} / {top3 / n:.3f}"
                    )
    return rows, summary


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18]


def run(target: Target, args: object) -> Result:
    rows, summary = quality()
    container = target.container
    texts = [json.loads(line)["text"] for line in QUESTIONS.read_text("utf-8").splitlines()]

    started = perf_counter()
    with container.sessions() as session:
        published = list(
            session.scalars(select(KbEntry).where(KbEntry.status == EntryStatus.PUBLISHED))
        )
    read_seconds = perf_counter() - started
    embedder = E5Embedder(threads=1)
    started = perf_counter()
    with container.sessions() as session:
        known = service.knowledge_index(session, embedder)
    build_seconds = perf_counter() - started

    answers: list[float] = []
    for text in texts:
        started = perf_counter()
        with unit_of_work(container.sessions) as session:
            service.handle_message(
                session,
                actor=None,
                data=MessageIn(text=text),
                now=BENCH_NOW,
                settings=container.settings,
                embedder=embedder,
            )
        answers.append(perf_counter() - started)
    plain: list[float] = []
    for text in texts:
        started = perf_counter()
        known.index.search(text, top=3, method=Method.LEXICAL, detect_language=True)
        plain.append(perf_counter() - started)

    answer_p50, answer_p95 = _percentiles(answers)
    plain_p50, plain_p95 = _percentiles(plain)
    summary |= {
        "entries": str(len(published)),
        "index build s (x reading)": f"{build_seconds:.1f} ({build_seconds / read_seconds:,.0f}x)",
        "answer p50 / p95 ms": f"{answer_p50 * 1000:.0f} / {answer_p95 * 1000:.0f}",
        "plain BM25 p50 / p95 ms": f"{plain_p50 * 1000:.1f} / {plain_p95 * 1000:.1f}",
        "answer / BM25 (p50)": f"{answer_p50 / plain_p50:,.0f}x",
    }
    markdown = "\n".join(
        [
            f"#### {target.label}",
            "",
            f"Entries: {dict(Counter(e.locale for e in published))}; "
            f"index build {build_seconds:.1f} s, reading the entries "
            f"{read_seconds * 1000:.1f} ms; {len(texts)} answers: "
            f"p50 {answer_p50 * 1000:.0f} ms, p95 {answer_p95 * 1000:.0f} ms; plain BM25 "
            f"p50 {plain_p50 * 1000:.2f} ms, p95 {plain_p95 * 1000:.2f} ms.",
            "",
            "Retrieval quality (`claimdesk assistant rank --top 3`):",
            "",
            *rows,
        ]
    )
    return Result(summary, markdown)
