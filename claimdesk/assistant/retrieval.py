"""Retrieval over knowledge-base passages: BM25 (jieba words for Chinese), E5 embeddings,
and their fusion. Pure: no database; the assistant and `claimdesk assistant rank` share it.

Fusion: each method's scores over the candidates (the passages in the question's
language) are standardised (z-scores), then combined as
``LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * semantic``. On the dev split of the
evaluation set this beat min-max scaling and reciprocal rank fusion (k = 5, 20, 60); the
weight and the confidence thresholds were chosen there, never on the test split
(docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import bm25s
import numpy as np

from claimdesk.assistant.embedding import Embedder
from claimdesk.assistant.language import detect_locale, tokenize

LEXICAL_WEIGHT = 0.25
# E5 cosines are high for any pair of texts, higher in Chinese: below the floor a question
# and an entry are unrelated, at the ceiling clearly on the same subject (dev split).
COSINE_BANDS = {"en": (0.80, 0.90), "zh-CN": (0.85, 0.93)}
# BM25 score at which lexical evidence counts as half convincing.
LEXICAL_HALF = 4.0
# Confidence at which the best entry is given as the answer; between the two the assistant
# asks which of the best entries was meant; below CLARIFY_AT it says it does not know.
ANSWER_AT = 0.45
CLARIFY_AT = 0.25


class Method(StrEnum):
    FUSED = "fused"
    LEXICAL = "lexical"
    SEMANTIC = "semantic"


@dataclass(frozen=True)
class Passage:
    id: str
    text: str
    lang: str | None = None


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    lexical: float
    semantic: float


def _standardised(scores: np.ndarray) -> np.ndarray:
    """z-scores over the candidates: how far each stands out from the rest."""
    spread = float(scores.std())
    return (scores - scores.mean()) / spread if spread > 0 else np.zeros_like(scores)


class Index:
    """BM25 and embedding indexes over the same passages, built once."""

    def __init__(
        self, passages: Sequence[Passage], embedder: Embedder | None, *, k1: float = 1.2
    ) -> None:
        self.passages = list(passages)
        self.embedder = embedder
        self._bm25 = bm25s.BM25(k1=k1, b=0.75)
        tokens = [tokenize(p.text) or [""] for p in self.passages]
        if self.passages:
            self._bm25.index(tokens, show_progress=False)
        self._vectors = (
            embedder.passages([p.text for p in self.passages]) if embedder is not None else None
        )
        self._langs = np.array([p.lang or "" for p in self.passages])

    def __len__(self) -> int:
        return len(self.passages)

    def _candidates(self, lang: str | None) -> np.ndarray:
        """Passages in the question's language; all of them when none is in it."""
        if lang is None:
            return np.ones(len(self.passages), dtype=bool)
        mask = (self._langs == lang) | (self._langs == "")
        return mask if mask.any() else np.ones(len(self.passages), dtype=bool)

    def scores(
        self, query: str, lang: str | None, *, semantic: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per passage: BM25 score, E5 cosine (zeros without an embedder or when not asked
        for), candidate mask."""
        size = len(self.passages)
        mask = self._candidates(lang)
        words = tokenize(query)
        lexical = (
            np.asarray(self._bm25.get_scores(words), dtype=np.float64)
            if size and words
            else np.zeros(size)
        )
        cosines = np.zeros(size)
        if semantic and self._vectors is not None and self.embedder is not None and size:
            cosines = (self._vectors @ self.embedder.query(query)).astype(np.float64)
        return lexical, cosines, mask

    def search(
        self,
        query: str,
        *,
        top: int = 5,
        method: Method = Method.FUSED,
        lang: str | None = None,
        detect_language: bool = False,
    ) -> list[Hit]:
        """The best ``top`` passages, best first. ``detect_language`` restricts the search
        to passages in the query's language (when passages carry one)."""
        if not self.passages:
            return []
        if detect_language and lang is None:
            lang = detect_locale(query)
        if method != Method.LEXICAL and self.embedder is None:
            raise ValueError(f"The {method} method needs an embedding model.")
        lexical, semantic, mask = self.scores(query, lang, semantic=method != Method.LEXICAL)
        if method == Method.LEXICAL:
            combined = lexical
        elif method == Method.SEMANTIC:
            combined = semantic
        else:
            combined = np.zeros_like(lexical)
            combined[mask] = LEXICAL_WEIGHT * _standardised(lexical[mask]) + (
                1 - LEXICAL_WEIGHT
            ) * _standardised(semantic[mask])
        order = np.flatnonzero(mask)
        order = order[np.lexsort((order, -combined[order]))][:top]
        return [
            Hit(
                id=self.passages[i].id,
                score=float(combined[i]),
                lexical=float(lexical[i]),
                semantic=float(semantic[i]),
            )
            for i in order
        ]


def confidence(hits: Sequence[Hit], lang: str) -> float:
    """How sure the best hit answers the question, in [0, 1]: its E5 cosine placed in the
    language's band, and its BM25 score (saturating), less when the runner-up is as good."""
    if not hits:
        return 0.0
    best = hits[0]
    floor, ceiling = COSINE_BANDS.get(lang, COSINE_BANDS["en"])
    semantic = min(1.0, max(0.0, (best.semantic - floor) / (ceiling - floor)))
    lexical = best.lexical / (best.lexical + LEXICAL_HALF)
    evidence = 0.6 * semantic + 0.4 * lexical
    if len(hits) > 1 and best.score > 0:
        margin = min(1.0, max(0.0, (best.score - hits[1].score) / best.score))
        evidence *= 0.8 + 0.2 * min(1.0, margin * 5)
    return round(evidence, 3)
