"""Score the shipped retrieval (reranker.toml, thresholds) on one split of the evaluation set:

    .venv/bin/python -m bench._eval_assistant [--split dev|test] [--cache PATH] [--errors]

Top-1 and top-3 of the fused and reranked ranking per language, and the share of
off-topic questions the thresholds keep from an answer (asked back or "I don't know").
Nothing is fitted here: the weights are those ``bench._tune_assistant`` wrote from the
dev split. ``--cache`` is the tuner's passage-vector file; the questions' vectors are
kept beside it. ``--errors`` prints the misranked questions (use it on dev only).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench._tune_assistant import QUESTIONS, _index, _queries
from claimdesk.assistant.retrieval import ANSWER_AT, CLARIFY_AT, PLAIN_ANSWER_AT, Method, answer_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--cache", type=Path, help="a .npy file for the passage vectors")
    parser.add_argument("--errors", action="store_true", help="print the misranked questions")
    args = parser.parse_args()
    every = [json.loads(line) for line in QUESTIONS.read_text("utf-8").splitlines()]
    index, embedder = _index(args.cache)
    # One vector file for every question, so both splits share it.
    vectors = _queries(
        embedder,
        [q["text"] for q in every],
        args.cache.with_name(args.cache.stem + "-all.npy") if args.cache else None,
    )
    chosen = [(q, v) for q, v in zip(every, vectors, strict=True) if q["split"] == args.split]
    results: dict[str, list[tuple[bool, bool]]] = {}
    outright: dict[str, list[tuple[bool, bool]]] = {}  # answered outright: (answered, right)
    refused: dict[str, list[bool]] = {}
    for question, vector in chosen:
        hits = index.search(
            question["text"], top=3, method=Method.FUSED, lang=question["lang"], vector=vector
        )
        ids = [h.id for h in hits]
        if question["answer"] is None:
            sure = hits[0].confidence if hits else 0.0
            refused.setdefault(question["lang"], []).append(sure < answer_at(question["text"]))
            if args.errors and sure >= answer_at(question["text"]):
                print(f"ANSWERED {question['text']} | {sure:.2f} {ids[0]}")
            continue
        top1 = bool(ids) and ids[0] == question["answer"]
        results.setdefault(question["lang"], []).append((top1, question["answer"] in ids))
        answered = bool(hits) and hits[0].confidence >= answer_at(question["text"])
        outright.setdefault(question["lang"], []).append((answered, answered and top1))
        if args.errors and not top1:
            print(f"MISS {question['text']} | want {question['answer']} | got {ids}")
    print(
        f"split {args.split}  (answer at {ANSWER_AT}, {PLAIN_ANSWER_AT} without an insurance "
        f"word; ask back at {CLARIFY_AT})"
    )
    for lang, rows in sorted(results.items()):
        top1 = np.mean([r[0] for r in rows])
        top3 = np.mean([r[1] for r in rows])
        off = refused.get(lang, [])
        print(
            f"  {lang}: {len(rows)} in scope, top-1 {top1:.3f}, top-3 {top3:.3f}; "
            f"off-topic not answered {np.mean(off):.3f} of {len(off)}"
        )
        said = outright[lang]
        print(
            f"      in scope answered outright {np.mean([a for a, _ in said]):.3f} "
            f"(right {np.mean([r for _, r in said]):.3f}), the rest asked back or handed off"
        )
    every_row = [r for rows in results.values() for r in rows]
    print(f"  all: top-1 {np.mean([r[0] for r in every_row]):.3f}")


if __name__ == "__main__":
    main()
