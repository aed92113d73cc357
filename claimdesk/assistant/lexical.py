"""BM25 over passages as numpy arrays: built from words in a few vectorised steps, or
from the term ids and counts kept in the index store (:mod:`index_store`), so a restart
loads arrays instead of indexing words again.

The scores are those of ``bm25s.BM25(k1, b)`` (Lucene's idf and term weight) to the bit:
each (passage, term) weight is worked out in float64 as bm25s does and kept in float32,
and a question's weights are added in float32 in the order of its words (a unit test
compares the two on the shipped knowledge base).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

EMPTY = ""  # the word of a passage without any (bm25s indexes such a passage so)


@dataclass(frozen=True)
class Postings:
    """Each passage's distinct term ids and how often it uses each (rows of a sparse
    passage x term matrix: ``terms[ptr[i]:ptr[i + 1]]``), and the words of the ids."""

    vocabulary: list[str]
    ptr: np.ndarray  # int64, n + 1
    terms: np.ndarray  # int32, sorted within a passage
    counts: np.ndarray  # int32

    def __len__(self) -> int:
        return len(self.ptr) - 1

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.terms[self.ptr[i] : self.ptr[i + 1]], self.counts[self.ptr[i] : self.ptr[i + 1]]


def count_terms(
    documents: Sequence[Sequence[str]], vocabulary: list[str], ids: dict[str, int]
) -> Postings:
    """The postings of ``documents`` (lists of words), their new words added to
    ``vocabulary`` and ``ids`` (changed in place)."""
    lengths = np.fromiter((len(d) for d in documents), dtype=np.int64, count=len(documents))
    flat: list[int] = []
    for document in documents:
        for word in document:
            at = ids.get(word)
            if at is None:
                at = ids[word] = len(vocabulary)
                vocabulary.append(word)
            flat.append(at)
    words = np.array(flat, dtype=np.int64)
    owners = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
    pairs, counts = np.unique(owners * max(len(vocabulary), 1) + words, return_counts=True)
    doc = pairs // max(len(vocabulary), 1)
    ptr = np.zeros(len(documents) + 1, dtype=np.int64)
    np.cumsum(np.bincount(doc, minlength=len(documents)), out=ptr[1:])
    terms = (pairs % max(len(vocabulary), 1)).astype(np.int32)
    return Postings(vocabulary, ptr, terms, counts.astype(np.int32))


def join(parts: Sequence[Postings], vocabulary: list[str]) -> Postings:
    """Rows of several postings (all over ``vocabulary``) one after the other."""
    if not parts:
        empty = np.zeros(0, dtype=np.int32)
        return Postings(vocabulary, np.zeros(1, dtype=np.int64), empty, empty)
    ptr = [np.zeros(1, dtype=np.int64)]
    at = 0
    for part in parts:
        ptr.append(part.ptr[1:] + at)
        at += int(part.ptr[-1])
    return Postings(
        vocabulary,
        np.concatenate(ptr),
        np.concatenate([p.terms for p in parts]).astype(np.int32),
        np.concatenate([p.counts for p in parts]).astype(np.int32),
    )


def take(postings: Postings, rows: np.ndarray) -> Postings:
    """The given rows of ``postings``, in that order."""
    starts, ends = postings.ptr[rows], postings.ptr[rows + 1]
    sizes = ends - starts
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    picked = np.repeat(starts - ptr[:-1], sizes) + np.arange(int(ptr[-1]), dtype=np.int64)
    return Postings(postings.vocabulary, ptr, postings.terms[picked], postings.counts[picked])


class Bm25:
    """BM25 scores of every passage for a list of words (see the module's note)."""

    def __init__(self, postings: Postings, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.postings = postings
        self.ids = {word: i for i, word in enumerate(postings.vocabulary)}
        n = len(postings)
        self.size = n
        vocabulary = len(postings.vocabulary)
        sizes = np.diff(postings.ptr)
        owners = np.repeat(np.arange(n, dtype=np.int64), sizes)
        lengths = np.bincount(owners, weights=postings.counts, minlength=n).astype(np.int64)
        average = lengths.mean() if n else 0.0
        frequency = np.bincount(postings.terms, minlength=vocabulary)
        # bm25s takes each idf from math.log in float64 and keeps it in float32.
        idf = np.zeros(vocabulary, dtype=np.float32)
        distinct, where = np.unique(frequency, return_inverse=True)
        logs = np.array(
            [math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0 for df in distinct]
        )
        idf[:] = logs[where]
        tf = postings.counts.astype(np.float32).astype(np.float64)
        norm = k1 * ((1 - b) + b * lengths[owners].astype(np.float64) / average) if n else tf
        weights = (idf[postings.terms].astype(np.float64) * (tf / (norm + tf))).astype(np.float32)
        # Column order (by term, then passage), as bm25s's sparse matrix: the transpose
        # of the passage rows (scipy's, in linear time; passages ascending in a column).
        by_term = sparse.csr_matrix(
            (weights, postings.terms, postings.ptr), shape=(n, vocabulary)
        ).tocsc()
        self._docs = by_term.indices
        self._weights = by_term.data
        self._ptr = by_term.indptr

    def scores(self, words: Sequence[str]) -> np.ndarray:
        """float32 scores of every passage, the words' weights added in their order."""
        total = np.zeros(self.size, dtype=np.float32)
        for word in words:
            at = self.ids.get(word)
            if at is None:
                continue
            start, end = self._ptr[at], self._ptr[at + 1]
            total[self._docs[start:end]] += self._weights[start:end]
        return total

    def word_ids(self, words: Sequence[str]) -> set[int]:
        return {self.ids[w] for w in words if w in self.ids}
