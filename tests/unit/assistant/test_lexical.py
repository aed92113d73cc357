"""BM25 from numpy arrays gives bm25s's scores to the bit, on the shipped knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np

from claimdesk.assistant.knowledge import passage_text, starter_entries
from claimdesk.assistant.lexical import Bm25
from claimdesk.assistant.retrieval import TITLE_MARK, build_lexicon, passage_terms, prepare

QUESTIONS = Path(__file__).resolve().parents[3] / "bench" / "data" / "assistant_questions.jsonl"


def test_scores_are_those_of_bm25s() -> None:
    terms = []
    for entry in starter_entries():
        title, body = passage_terms(passage_text(entry.title, entry.body), entry.questions)
        terms.append([*title, TITLE_MARK, *body])
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([[w for w in t if w != TITLE_MARK] or [""] for t in terms], show_progress=False)
    ours = Bm25(build_lexicon(terms).passages)
    lines = QUESTIONS.read_text("utf-8").splitlines()[::5]
    for line in lines:
        query = prepare(json.loads(line)["text"], None)
        for words in (query.words, query.expanded):
            if words:
                assert np.array_equal(reference.get_scores(words), ours.scores(words))


def test_an_empty_passage_and_unknown_words() -> None:
    lexicon = build_lexicon([["claim", TITLE_MARK, "paid"], [TITLE_MARK], ["paid", TITLE_MARK]])
    ours = Bm25(lexicon.passages)
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([["claim", "paid"], [""], ["paid"]], show_progress=False)
    for words in (["paid"], ["claim", "paid", "paid"], ["nothing"]):
        assert np.array_equal(reference.get_scores(words), ours.scores(words))
