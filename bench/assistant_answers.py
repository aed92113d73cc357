"""Assistant: retrieval quality on the evaluation set, off-topic refusals, answer latency
with a 5,000-entry knowledge base, the first answer after a restart, and index loading.

Quality: the shipped knowledge base (203 entries per language, vectors from the
embedding job below) and the questions of
``bench/data/assistant_questions.jsonl`` (587 English, 586 Chinese, written apart from the
entries; a dev split used to fit the reranker and thresholds, a test split never used
for that). Each method of `claimdesk assistant rank` (lexical, semantic, fused with the
reranker) ranks every in-scope question with the same index and model in this process;
top-1 and top-3 per language and split. Off-topic questions go through
``handle_message`` as an anonymous visitor: the share answered "I don't know"
(``not_found``) and the share that asks back with a person offered (``clarify``).

Speed (the database under test, the bundled E5 model on one thread as the server runs it;
the embedding job runs on every core in the worker, here on that one thread too):

1. embedding job: the starter entries' passage and title vectors made and stored
   (``refresh_vectors``), once;
2. the knowledge base padded to 5,000 published entries (recombined sentences of the
   shipped ones; their stored vectors are a real entry's vectors plus noise, since only
   timing is measured on them, and their terms are computed as for any entry);
3. first answer after a restart: the index built once from the rows and its file written
   (the server's previous life); then the process's index cache dropped and a fresh
   model object, the server's start-up warm-up (``service.warm_up``: index file and
   model loaded) and one ``handle_message``; also once without the warm-up (the question
   loads both); baseline: reading the entries' rows;
4. answers: every evaluation question (up to ``--assistant-answers``) sent to
   ``handle_message`` as an anonymous visitor, each in its own conversation and
   transaction; baseline: a plain BM25 query of the same question on the same index.
   p50 and p95 of each, and their ratio;
5. index load at 10,000 entries (padded again): the index built from stored rows with a
   model that refuses to embed passages, then loaded from the index file it wrote.

Time is ``time.perf_counter`` wall time; the load average is printed with the results;
nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import numpy as np
from sqlalchemy import func, select

from bench.common import BENCH_NOW, Target
from claimdesk.assistant import index_store, service
from claimdesk.assistant.embedding import E5Embedder, default_embedder, one_blas_thread
from claimdesk.assistant.enums import EntryStatus, Intent
from claimdesk.assistant.knowledge import passage_text, text_hash
from claimdesk.assistant.language import TERMS_VERSION
from claimdesk.assistant.models import KbEntry
from claimdesk.assistant.retrieval import Index, Method, stored_terms
from claimdesk.assistant.schemas import MessageIn
from claimdesk.core.db import unit_of_work

TITLE = "Assistant answers"
QUESTIONS = Path(__file__).resolve().parent / "data" / "assistant_questions.jsonl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Assistant answers")
    group.add_argument(
        "--assistant-answers", type=int, default=300, metavar="N", help="answers timed (300)"
    )


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


class RefusingEmbedder(E5Embedder):
    """The model, forbidden to embed passages: the index must load them."""

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError(f"asked to embed {len(texts)} passages")


def _questions() -> list[dict[str, str]]:
    return [json.loads(line) for line in QUESTIONS.read_text("utf-8").splitlines()]


def quality(index: Index, embedder: E5Embedder) -> tuple[list[str], dict[str, str]]:
    questions = _questions()
    vectors = embedder.queries([q["text"] for q in questions])
    ranked: dict[Method, dict[str, list[str]]] = {method: {} for method in Method}
    for question, vector in zip(questions, vectors, strict=True):
        for method in Method:
            hits = index.search(
                question["text"], top=3, method=method, detect_language=True, vector=vector
            )
            ranked[method][question["id"]] = [hit.id for hit in hits]
    rows = [
        "| language | split | questions | method | top-1 | top-3 |",
        "|---|---|---|---|---|---|",
    ]
    summary = {}
    for lang in ("en", "zh-CN"):
        for split in ("test", "dev"):
            chosen = [
                q
                for q in questions
                if q["lang"] == lang and q["split"] == split and q["answer"] is not None
            ]
            for method in (Method.LEXICAL, Method.SEMANTIC, Method.FUSED):
                top1 = sum(ranked[method][q["id"]][:1] == [q["answer"]] for q in chosen)
                top3 = sum(q["answer"] in ranked[method][q["id"]] for q in chosen)
                n = len(chosen)
                rows.append(
                    f"| {lang} | {split} | {n} | {method} | {top1 / n:.3f} | {top3 / n:.3f} |"
                )
                if split == "test" and method == Method.FUSED:
                    summary[f"{lang} test top-1 / top-3"] = f"{top1 / n:.3f} / {top3 / n:.3f}"
    return rows, summary


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18]


def _pad(target: Target, total: int, seed: int) -> int:
    """Add published entries until there are ``total``: recombined sentences of the
    shipped bodies, with a real entry's stored vectors plus noise."""
    rng = random.Random(seed)
    sessions = target.container.sessions
    with sessions() as session:
        have = session.scalar(select(func.count(KbEntry.id))) or 0
        sources = session.execute(
            select(KbEntry.locale, KbEntry.category, KbEntry.body, KbEntry.vectors)
        ).all()
    noise = np.random.default_rng(seed)
    bodies: dict[str, list[str]] = {}
    for source in sources:
        bodies.setdefault(source.locale, []).append(source.body)
    added = 0
    with unit_of_work(sessions) as session:
        for number in range(have, total):
            locale, category, _, blob = rng.choice(sources)
            same = bodies[locale]
            title = rng.choice(same).split("。")[0].split(". ")[0][:120]
            text_body = " ".join(rng.sample(same, 2))
            vectors = np.frombuffer(blob, np.float32).reshape(2, -1)
            vectors = vectors + noise.normal(0, 0.02, vectors.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            text = passage_text(title, text_body)
            digest = text_hash(text)
            session.add(
                KbEntry(
                    key=f"pad-{number}",
                    locale=locale,
                    kind="faq",
                    category=category,
                    title=title,
                    body=text_body,
                    status=EntryStatus.PUBLISHED,
                    origin="staff",
                    created_at=BENCH_NOW,
                    updated_at=BENCH_NOW,
                    text_hash=digest,
                    terms=stored_terms(text),
                    terms_version=TERMS_VERSION,
                    vectors=vectors.astype(np.float32).tobytes(),
                    vector_model=E5Embedder().name,
                    vector_hash=digest,
                )
            )
            added += 1
    return added


def _answer(target: Target, embedder: E5Embedder, text: str) -> tuple[float, str]:
    started = perf_counter()
    with unit_of_work(target.container.sessions) as session:
        reply = service.handle_message(
            session,
            actor=None,
            data=MessageIn(text=text),
            now=BENCH_NOW,
            settings=target.container.settings,
            embedder=embedder,
        )
    return perf_counter() - started, reply.intent


def run(target: Target, args: argparse.Namespace) -> Result:
    load_start = os.getloadavg()
    embedder = default_embedder()  # one thread, as the server answers
    one_blas_thread()  # as the server does at start-up
    container = target.container
    questions = _questions()

    started = perf_counter()
    embedded = service.refresh_vectors(container.sessions, embedder=embedder)
    embed_seconds = perf_counter() - started
    with container.sessions() as session:
        shipped = service.knowledge_index(session, embedder)
    rows, summary = quality(shipped.index, embedder)

    off_topic = Counter(
        _answer(target, embedder, q["text"])[1] for q in questions if q["answer"] is None
    )
    refused = off_topic[Intent.NOT_FOUND] + off_topic[Intent.HANDOFF]
    asked_back = off_topic[Intent.CLARIFY]
    n_off = sum(off_topic.values())

    _pad(target, 5000, seed=5000)
    data_dir = container.settings.data_dir
    started = perf_counter()
    with container.sessions() as session:
        rows_read = session.execute(
            select(KbEntry.id, KbEntry.title, KbEntry.body, KbEntry.terms, KbEntry.vectors)
        ).all()
    read_seconds = perf_counter() - started
    # The server's previous life: the index built from the rows and its file written.
    service._indexes.clear()
    started = perf_counter()
    with container.sessions() as session:
        service.knowledge_index(session, embedder, index_store.path_for(data_dir, embedder.name))
    built_seconds = perf_counter() - started
    # A restart without the start-up warm-up: index file and model loaded by the question.
    service._indexes.clear()
    cold_seconds, _ = _answer(target, E5Embedder(threads=1), "理赔款一般多久能到账？")
    # A restart as the server starts: the lifespan's warm-up, then the first question.
    service._indexes.clear()
    restarted = E5Embedder(threads=1)
    started = perf_counter()
    service.warm_up(container.sessions, restarted, data_dir)
    warm_seconds = perf_counter() - started
    first_seconds, _ = _answer(target, restarted, "理赔款一般多久能到账？")

    texts = [q["text"] for q in questions][: args.assistant_answers]
    answers = [_answer(target, restarted, text)[0] for text in texts]
    with container.sessions() as session:
        known = service.knowledge_index(session, restarted)
    plain: list[float] = []
    for text in texts:
        started = perf_counter()
        known.index.search(text, top=3, method=Method.LEXICAL, detect_language=True)
        plain.append(perf_counter() - started)

    _pad(target, 10_000, seed=10_000)
    service._indexes.clear()
    store = index_store.path_for(data_dir, embedder.name)
    store.unlink(missing_ok=True)
    started = perf_counter()
    with container.sessions() as session:
        big = service.knowledge_index(session, RefusingEmbedder(), store)
    load_seconds = perf_counter() - started
    service._indexes.clear()
    started = perf_counter()
    with container.sessions() as session:
        service.knowledge_index(session, RefusingEmbedder(), store)
    stored_seconds = perf_counter() - started
    load_end = os.getloadavg()

    answer_p50, answer_p95 = _percentiles(answers)
    plain_p50, plain_p95 = _percentiles(plain)
    summary |= {
        "off-topic: don't know / asked back": f"{refused / n_off:.3f} / {asked_back / n_off:.3f}",
        "5,000 entries: start-up warm-up s": f"{warm_seconds:.2f}",
        "first answer after restart s (warmed / not)": f"{first_seconds:.2f} / {cold_seconds:.2f}",
        "answer p50 / p95 ms": f"{answer_p50 * 1000:.0f} / {answer_p95 * 1000:.0f}",
        "answer / BM25 (p95)": f"{answer_p95 / plain_p95:,.0f}x",
        "10,000 entries: index from rows / from file s": (
            f"{load_seconds:.2f} / {stored_seconds:.2f}"
        ),
    }
    markdown = "\n".join(
        [
            f"#### {target.label}",
            "",
            f"Load average {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end "
            f"(2 cores). Embedding job: {embedded} entries in {embed_seconds:.1f} s. "
            f'Off-topic questions ({n_off}): {refused} answered "I don\'t know", '
            f"{asked_back} asked back with a person offered, "
            f"{n_off - refused - asked_back} answered. With {len(rows_read)} entries: reading "
            f"their rows {read_seconds * 1000:.0f} ms; index built from the rows and its file "
            f"written {built_seconds * 1000:.0f} ms; after a restart, start-up warm-up (index "
            f"file and model) {warm_seconds * 1000:.0f} ms, then the first answer "
            f"{first_seconds * 1000:.0f} ms (without the warm-up: {cold_seconds * 1000:.0f} "
            f"ms); {len(texts)} answers p50 "
            f"{answer_p50 * 1000:.0f} ms, p95 {answer_p95 * 1000:.0f} ms; plain BM25 p50 "
            f"{plain_p50 * 1000:.2f} ms, p95 {plain_p95 * 1000:.2f} ms. Index of "
            f"{len(big.index)} entries built from the rows in {load_seconds * 1000:.0f} ms, "
            f"loaded from its file in {stored_seconds * 1000:.0f} ms "
            f"({len(known.index)} in the timed index).",
            "",
            "Retrieval quality (the three methods of `claimdesk assistant rank`, top 3):",
            "",
            *rows,
        ]
    )
    return Result(summary, markdown)
