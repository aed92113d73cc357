"""Write the shipped knowledge base's passage and title vectors into the package
(claimdesk/assistant/knowledge/vectors.npz), so a fresh installation answers its first
question without embedding 400 entries:

    .venv/bin/python -m bench._ship_vectors [--cache PATH]

Run it after changing the starter entries or their example questions (``--cache``: a .npy
of vectors made by ``bench._tune_assistant --cache`` for the same entries and model,
checked by its .sha1). Passage rows of texts already in the shipped file are kept (only
their title rows, which the questions change, are made again). Entries whose text
changed since are simply embedded by the job, as staff entries are.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

from claimdesk.assistant.embedding import default_embedder
from claimdesk.assistant.knowledge import (
    SHIPPED_VECTORS,
    entry_hash,
    passage_text,
    starter_entries,
    text_hash,
)
from claimdesk.assistant.retrieval import embed_passages, passage_title


class _Known:
    """Passage vectors already shipped, by passage-text hash; the rest from the model."""

    def __init__(self, model: str) -> None:
        self.known: dict[str, np.ndarray] = {}
        if SHIPPED_VECTORS.exists():
            with np.load(SHIPPED_VECTORS, allow_pickle=False) as data:
                if str(data["model"]) == model:
                    for digest, rows in zip(data["hashes"], data["vectors"], strict=True):
                        self.known[str(digest)] = rows[0].astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, help="vectors already made for these entries")
    args = parser.parse_args()
    embedder = default_embedder()
    entries = starter_entries()
    texts = [passage_text(e.title, e.body) for e in entries]
    hashes = [entry_hash(e.title, e.body, e.questions) for e in entries]
    digest = hashlib.sha1("\n".join([embedder.name, *hashes]).encode()).hexdigest()
    cache: Path | None = args.cache
    if cache is not None and cache.with_suffix(".sha1").read_text() == digest:
        vectors = np.load(cache, allow_pickle=False)
    else:
        known = _Known(embedder.name).known
        missing = [i for i, t in enumerate(texts) if text_hash(t) not in known]
        made = embed_passages(embedder, [texts[i] for i in missing]) if missing else None
        passages = {i: made[n, 0] for n, i in enumerate(missing)} if made is not None else {}
        titles = embedder.queries(
            [
                w
                for e, t in zip(entries, texts, strict=True)
                for w in (passage_title(t), *e.questions)
            ]
        )
        rows, at = [], 0
        for number, (entry, text) in enumerate(zip(entries, texts, strict=True)):
            count = 1 + len(entry.questions)
            mean = titles[at : at + count].mean(axis=0)
            at += count
            passage = passages.get(number)
            whole = known[text_hash(text)] if passage is None else passage
            rows.append(np.stack([whole, mean / np.linalg.norm(mean)]))
        vectors = np.stack(rows)
    np.savez_compressed(
        SHIPPED_VECTORS,
        model=np.array(embedder.name),
        hashes=np.array(hashes),
        vectors=vectors.astype(np.float16),
    )


if __name__ == "__main__":
    main()
