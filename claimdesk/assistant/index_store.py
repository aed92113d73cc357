"""The retrieval index kept on disk (``<data dir>/assistant/index-<model>.npz``), so a
restarted server or a new worker process loads arrays instead of reading every entry's
vectors and indexing its words again.

One file per embedding model: for each published entry its id and text hash, its
passage and title vectors and its BM25 postings (term ids and counts over one
vocabulary, of the whole passage and of the title). A row is used only for the entry of
that id whose text hash is the same (an edited entry is indexed again, alone); the file
is used only for the model, tokenizer version and format it names, and only when its
checksum holds. Anything else (a missing, stale, truncated or corrupt file) is read as
no file: the index is built from the database and the file written again. The file is
replaced atomically, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claimdesk.assistant.language import TERMS_VERSION
from claimdesk.assistant.lexical import Postings, take
from claimdesk.assistant.retrieval import Lexicon

log = logging.getLogger(__name__)

FORMAT = 1
_ARRAYS = (
    "entry_ids",
    "hashes",
    "vectors",
    "vocabulary",
    "passage_ptr",
    "passage_terms",
    "passage_counts",
    "title_ptr",
    "title_terms",
    "title_counts",
)


@dataclass(frozen=True)
class StoredIndex:
    entry_ids: np.ndarray  # int64
    hashes: list[str]
    vectors: np.ndarray  # float32, (n, 2, dim)
    lexicon: Lexicon

    def __len__(self) -> int:
        return len(self.entry_ids)

    def rows(self) -> dict[tuple[int, str], int]:
        """Where each (entry id, text hash) is."""
        return {
            (int(i), h): at
            for at, (i, h) in enumerate(zip(self.entry_ids, self.hashes, strict=True))
        }

    def subset(self, rows: np.ndarray) -> StoredIndex:
        return StoredIndex(
            self.entry_ids[rows],
            [self.hashes[int(r)] for r in rows],
            self.vectors[rows],
            Lexicon(take(self.lexicon.passages, rows), take(self.lexicon.titles, rows)),
        )


def path_for(data_dir: Path, model: str) -> Path:
    return data_dir / "assistant" / f"index-{hashlib.sha1(model.encode()).hexdigest()[:16]}.npz"


def _checksum(arrays: dict[str, np.ndarray]) -> int:
    crc = 0
    for name in _ARRAYS:
        crc = zlib.crc32(np.ascontiguousarray(arrays[name]).reshape(-1).view(np.uint8).data, crc)
    return crc


def _arrays(index: StoredIndex) -> dict[str, np.ndarray]:
    lexicon = index.lexicon
    return {
        "entry_ids": index.entry_ids.astype(np.int64),
        "hashes": np.array(index.hashes, dtype="S40"),
        "vectors": index.vectors.astype(np.float32),
        "vocabulary": np.frombuffer(
            "\n".join(lexicon.passages.vocabulary).encode("utf-8"), dtype=np.uint8
        ),
        "passage_ptr": lexicon.passages.ptr,
        "passage_terms": lexicon.passages.terms,
        "passage_counts": lexicon.passages.counts,
        "title_ptr": lexicon.titles.ptr,
        "title_terms": lexicon.titles.terms,
        "title_counts": lexicon.titles.counts,
    }


def save(path: Path, model: str, index: StoredIndex) -> None:
    """Write the file for ``model`` (atomically: a temporary file renamed over it)."""
    arrays = _arrays(index)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("wb") as out:
            header = {
                "format": np.array(FORMAT),
                "model": np.array(model),
                "terms_version": np.array(TERMS_VERSION),
                "checksum": np.array(_checksum(arrays), dtype=np.int64),
            }
            np.savez(out, allow_pickle=False, **header, **arrays)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def load(path: Path, model: str) -> StoredIndex | None:
    """The file's index when it is whole and made for ``model`` with today's tokenizer
    and format; None (and a log line saying why) otherwise."""
    if not path.exists():
        return None
    try:
        with path.open("rb") as file, np.load(file, allow_pickle=False) as data:
            header = (int(data["format"]), str(data["model"]), int(data["terms_version"]))
            if header != (FORMAT, model, TERMS_VERSION):
                log.info("Index store %s is for %s; rebuilding.", path, header)
                return None
            arrays = {name: data[name] for name in _ARRAYS}
            if _checksum(arrays) != int(data["checksum"]):
                raise ValueError("checksum mismatch")
        return _parse(arrays)
    except Exception as exc:  # a damaged file of any kind is rebuilt, never trusted
        log.warning("Index store %s is unreadable (%s); rebuilding.", path, exc)
        return None


def _postings(
    vocabulary: list[str], ptr: np.ndarray, terms: np.ndarray, counts: np.ndarray
) -> Postings:
    if len(terms) != len(counts) or int(ptr[-1]) != len(terms) or np.any(np.diff(ptr) < 0):
        raise ValueError("postings do not add up")
    if len(terms) and (int(terms.min()) < 0 or int(terms.max()) >= len(vocabulary)):
        raise ValueError("term id outside the vocabulary")
    return Postings(
        vocabulary, ptr.astype(np.int64), terms.astype(np.int32), counts.astype(np.int32)
    )


def _parse(arrays: dict[str, np.ndarray]) -> StoredIndex:
    vocabulary = arrays["vocabulary"].tobytes().decode("utf-8").split("\n")
    ids = arrays["entry_ids"]
    n = len(ids)
    vectors = arrays["vectors"]
    if vectors.ndim != 3 or vectors.shape[:2] != (n, 2) or vectors.dtype != np.float32:
        raise ValueError("vectors of the wrong shape")
    passages = _postings(
        vocabulary, arrays["passage_ptr"], arrays["passage_terms"], arrays["passage_counts"]
    )
    titles = _postings(
        vocabulary, arrays["title_ptr"], arrays["title_terms"], arrays["title_counts"]
    )
    if len(passages) != n or len(titles) != n or len(arrays["hashes"]) != n:
        raise ValueError("rows do not add up")
    hashes = [h.decode("ascii") for h in arrays["hashes"].tolist()]
    return StoredIndex(ids.astype(np.int64), hashes, vectors, Lexicon(passages, titles))
