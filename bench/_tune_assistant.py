"""Fit the assistant's reranker and choose its confidence thresholds on the DEV split only.

    .venv/bin/python -m bench._tune_assistant [--write] [--cache PATH]

The shipped knowledge base is embedded with the bundled E5 model (``--cache`` keeps the
vectors in a .npy file between runs), every dev question goes through the first stage of
retrieval, and a logistic regression learns, from the features of its best
``RERANK_DEPTH`` candidates, which one is the right entry (off-topic questions have none).
Prints dev top-1 before and after reranking and the share of in-scope questions answered
and of off-topic questions refused at the thresholds; ``--write`` stores the weights in
claimdesk/assistant/reranker.toml. The test split is never read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from claimdesk.assistant import retrieval
from claimdesk.assistant.embedding import E5Embedder
from claimdesk.assistant.knowledge import passage_text, starter_entries
from claimdesk.assistant.retrieval import FEATURES, Index, Passage, embed_passages

QUESTIONS = Path(__file__).resolve().parent / "data" / "assistant_questions.jsonl"
WEIGHTS = Path(retrieval.__file__).resolve().parent / "reranker.toml"


def _index(cache: Path | None) -> tuple[Index, E5Embedder]:
    embedder = E5Embedder()
    passages = [Passage(e.ref, passage_text(e.title, e.body), e.locale) for e in starter_entries()]
    digest = hashlib.sha1(
        "\n".join([embedder.name, *(p.text for p in passages)]).encode()
    ).hexdigest()
    vectors = None
    if cache is not None and cache.exists():
        stored = np.load(cache, allow_pickle=False)
        vectors = stored if cache.with_suffix(".sha1").read_text() == digest else None
    if vectors is None:
        vectors = embed_passages(embedder, [p.text for p in passages])
        if cache is not None:
            np.save(cache, vectors)
            cache.with_suffix(".sha1").write_text(digest)
    return Index(passages, embedder, vectors=vectors), embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the fitted weights")
    parser.add_argument("--cache", type=Path, help="a .npy file for the passage vectors")
    parser.add_argument("--errors", action="store_true", help="print the misranked questions")
    args = parser.parse_args()
    questions = [
        q for q in map(json.loads, QUESTIONS.read_text("utf-8").splitlines()) if q["split"] == "dev"
    ]
    index, embedder = _index(args.cache)
    vectors = embedder.queries([q["text"] for q in questions])
    ids = [p.id for p in index.passages]
    rows, labels, groups = [], [], []
    first_top1 = 0
    for number, (question, vector) in enumerate(zip(questions, vectors, strict=True)):
        stage = index.first_stage(question["text"], question["lang"], vector)
        order, features = index.features(stage)
        found = [ids[i] for i in order]
        first_top1 += bool(found) and found[0] == question["answer"]
        rows.append(features)
        labels += [int(ref == question["answer"]) for ref in found]
        groups += [number] * len(found)
    model = LogisticRegression(C=1.0, max_iter=5000, class_weight={0: 1.0, 1: 3.0})
    model.fit(np.vstack(rows), np.array(labels))
    weights, intercept = model.coef_[0], float(model.intercept_[0])

    in_scope = [q for q in questions if q["answer"] is not None]
    best: list[tuple[float, bool, bool]] = []  # (confidence, off-topic, right)
    offset = 0
    for question, features in zip(questions, rows, strict=True):
        logits = features @ weights + intercept
        start = offset
        offset += len(features)
        pick = int(np.argmax(logits))
        right = labels[start + pick] == 1
        if args.errors and question["answer"] is not None and not right:
            order, _ = index.features(index.first_stage(question["text"], question["lang"], None))
            print(f"MISS {question['text']} | want {question['answer']} | got {ids[order[pick]]}")
        best.append((float(1 / (1 + np.exp(-logits[pick]))), question["answer"] is None, right))
    reranked_top1 = sum(right for _, off, right in best if not off)
    print(f"dev questions: {len(in_scope)} in scope, {len(questions) - len(in_scope)} off-topic")
    print(f"top-1 first stage {first_top1 / len(in_scope):.3f}")
    print(f"top-1 reranked    {reranked_top1 / len(in_scope):.3f}")
    for lang in ("en", "zh-CN"):
        chosen = [b for q, b in zip(questions, best, strict=True) if q["lang"] == lang]
        scoped = [b for b in chosen if not b[1]]
        print(f"  {lang}: top-1 reranked {sum(b[2] for b in scoped) / len(scoped):.3f}")
    for threshold in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        refused = [c < threshold for c, off, _ in best if off]
        answered_right = [c >= threshold and r for c, off, r in best if not off]
        answered_wrong = [c >= threshold and not r for c, off, r in best if not off]
        print(
            f"threshold {threshold:.2f}: off-topic refused {np.mean(refused):.3f}, "
            f"in-scope answered right {np.mean(answered_right):.3f}, "
            f"answered wrong {np.mean(answered_wrong):.3f}"
        )
    lines = [f"{name} = {weight:.4f}" for name, weight in zip(FEATURES, weights, strict=True)]
    text = "\n".join(
        [
            "# The reranker's logistic weights (claimdesk/assistant/retrieval.py, FEATURES),",
            "# fitted on the dev split of bench/data/assistant_questions.jsonl by",
            "# `python -m bench._tune_assistant --write`; the test split is never read.",
            f"intercept = {intercept:.4f}",
            "",
            "[weights]",
            *lines,
            "",
        ]
    )
    print(text)
    if args.write:
        WEIGHTS.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
