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
from claimdesk.assistant.knowledge import (
    entry_hash,
    off_topic_vectors,
    passage_text,
    shipped_vectors,
    starter_entries,
)
from claimdesk.assistant.retrieval import (
    CONFIDENCE_FEATURES,
    FEATURES,
    Index,
    Passage,
    confidence_features,
    embed_passages,
    in_domain,
)

QUESTIONS = Path(__file__).resolve().parent / "data" / "assistant_questions.jsonl"
# How much an off-topic dev question counts in the answerability fit against an in-scope
# one: answering small talk with an entry is the worse mistake (asking back an in-scope
# question still offers its entry among three), and off-topic questions are a tenth of
# the dev split. Chosen by five-fold cross-validation on dev (1, 1.5, 2 and 3 tried).
OFF_TOPIC_WEIGHT = 2.0
WEIGHTS = Path(retrieval.__file__).resolve().parent / "reranker.toml"


def _index(cache: Path | None) -> tuple[Index, E5Embedder]:
    embedder = E5Embedder()
    passages = [
        Passage(e.ref, passage_text(e.title, e.body), e.locale, e.category, e.questions)
        for e in starter_entries()
    ]
    hashes = [entry_hash(e.title, e.body, e.questions) for e in starter_entries()]
    digest = hashlib.sha1("\n".join([embedder.name, *hashes]).encode()).hexdigest()
    vectors = None
    if cache is not None and cache.exists():
        stored = np.load(cache, allow_pickle=False)
        vectors = stored if cache.with_suffix(".sha1").read_text() == digest else None
    if vectors is None:
        shipped = shipped_vectors(embedder.name)
        if all(h in shipped for h in hashes):
            vectors = np.stack(
                [np.frombuffer(shipped[h], np.float32).reshape(2, -1) for h in hashes]
            )
    if vectors is None:
        vectors = embed_passages(
            embedder, [p.text for p in passages], [p.questions for p in passages]
        )
        if cache is not None:
            np.save(cache, vectors)
            cache.with_suffix(".sha1").write_text(digest)
    index = Index(passages, embedder, vectors=vectors, off_topic=off_topic_vectors(embedder))
    return index, embedder


def _queries(embedder: E5Embedder, texts: list[str], cache: Path | None) -> np.ndarray:
    """The questions' vectors, kept beside the passage cache when there is one."""
    path = cache.with_name(cache.stem + "-queries.npy") if cache else None
    digest = hashlib.sha1("\n".join([embedder.name, *texts]).encode()).hexdigest()
    if path is not None and path.exists() and path.with_suffix(".sha1").read_text() == digest:
        return np.load(path, allow_pickle=False)
    vectors = embedder.queries(texts)
    if path is not None:
        np.save(path, vectors)
        path.with_suffix(".sha1").write_text(digest)
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the fitted weights")
    parser.add_argument("--cache", type=Path, help="a .npy file for the passage vectors")
    parser.add_argument("--errors", action="store_true", help="print the misranked questions")
    args = parser.parse_args()
    every = [json.loads(line) for line in QUESTIONS.read_text("utf-8").splitlines()]
    index, embedder = _index(args.cache)
    # The vector file of every question, shared with bench._eval_assistant; only the dev
    # questions are read below.
    known = _queries(
        embedder,
        [q["text"] for q in every],
        args.cache.with_name(args.cache.stem + "-all.npy") if args.cache else None,
    )
    chosen = [(q, v) for q, v in zip(every, known, strict=True) if q["split"] == "dev"]
    questions = [q for q, _ in chosen]
    vectors = np.array([v for _, v in chosen])
    ids = [p.id for p in index.passages]
    rows, labels, groups, orders, distant = [], [], [], [], []
    first_top1 = 0
    for number, (question, vector) in enumerate(zip(questions, vectors, strict=True)):
        stage = index.first_stage(question["text"], question["lang"], vector)
        order, features = index.features(stage)
        orders.append(order)
        distant.append(index.off_topic(stage, features))
        found = [ids[i] for i in order]
        first_top1 += bool(found) and found[0] == question["answer"]
        rows.append(features)
        labels += [int(ref == question["answer"]) for ref in found]
        groups += [number] * len(found)
    # Pairwise: the right entry against each other candidate of the same question.
    pairs, wins = [], []
    offset = 0
    for features in rows:
        mine = np.array(labels[offset : offset + len(features)])
        offset += len(features)
        if mine.sum() != 1:
            continue
        right = features[int(np.argmax(mine))]
        for other in features[mine == 0]:
            pairs += [right - other, other - right]
            wins += [1, 0]
    ranker = LogisticRegression(C=1.0, max_iter=5000, fit_intercept=False)
    ranker.fit(np.array(pairs), np.array(wins))
    weights, intercept = ranker.coef_[0], 0.0

    # Answerability: from the reranked best passage, is it the right answer at all?
    judged, correct, best_right = [], [], []
    offset = 0
    for question, features, order, far in zip(questions, rows, orders, distant, strict=True):
        logits = features @ weights + intercept
        pick = int(np.argmax(logits))
        right = labels[offset + pick] == 1
        offset += len(features)
        judged.append(confidence_features(logits, features, in_domain(question["text"]), far))
        correct.append(int(right))
        best_right.append(right)
        if args.errors and question["answer"] is not None and not right:
            print(f"MISS {question['text']} | want {question['answer']} | got {ids[order[pick]]}")
    off_topic = np.array([q["answer"] is None for q in questions])
    judge = LogisticRegression(C=1.0, max_iter=5000)
    judge.fit(
        np.array(judged), np.array(correct), sample_weight=np.where(off_topic, OFF_TOPIC_WEIGHT, 1)
    )
    sure = judge.predict_proba(np.array(judged))[:, 1]

    right = np.array(best_right)
    print(f"dev questions: {int((~off_topic).sum())} in scope, {int(off_topic.sum())} off-topic")
    print(f"top-1 first stage {first_top1 / (~off_topic).sum():.3f}")
    print(f"top-1 reranked    {right[~off_topic].mean():.3f}")
    for lang in ("en", "zh-CN"):
        chosen = np.array([q["lang"] == lang for q in questions]) & ~off_topic
        print(f"  {lang}: top-1 reranked {right[chosen].mean():.3f} of {int(chosen.sum())}")
    for threshold in np.arange(0.10, 0.75, 0.05):
        answered = sure >= threshold
        print(
            f"threshold {threshold:.2f}: off-topic refused {(~answered[off_topic]).mean():.3f}, "
            f"in scope answered right {(answered & right)[~off_topic].mean():.3f}, "
            f"answered wrong {(answered & ~right)[~off_topic].mean():.3f}"
        )
    # At the shipped thresholds: ANSWER_AT, PLAIN_ANSWER_AT without an insurance word.
    bar = np.array([retrieval.answer_at(q["text"]) for q in questions])
    for lang in ("en", "zh-CN"):
        mine = np.array([q["lang"] == lang for q in questions])
        answered = sure >= bar
        print(
            f"  {lang} at the shipped thresholds: off-topic refused "
            f"{(~answered[mine & off_topic]).mean():.3f} of {int((mine & off_topic).sum())}, "
            f"in scope answered {answered[mine & ~off_topic].mean():.3f} "
            f"(right {(answered & right)[mine & ~off_topic].mean():.3f})"
        )
    ranking = [f"{n} = {w:.4f}" for n, w in zip(FEATURES, weights, strict=True)]
    confidence = [
        f"{n} = {w:.4f}" for n, w in zip(CONFIDENCE_FEATURES, judge.coef_[0], strict=True)
    ]
    text = "\n".join(
        [
            "# The reranker's logistic weights (claimdesk/assistant/retrieval.py: FEATURES,",
            "# CONFIDENCE_FEATURES), fitted on the dev split of",
            "# bench/data/assistant_questions.jsonl by `python -m bench._tune_assistant --write`;",
            "# the test split is never read.",
            "",
            "[ranking]",
            f"intercept = {intercept:.4f}",
            *ranking,
            "",
            "[confidence]",
            f"intercept = {float(judge.intercept_[0]):.4f}",
            *confidence,
            "",
        ]
    )
    print(text)
    if args.write:
        WEIGHTS.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
