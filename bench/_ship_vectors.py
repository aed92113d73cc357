"""Write the shipped knowledge base's passage and title vectors into the package
(claimdesk/assistant/knowledge/vectors.npz), so a fresh installation answers its first
question without embedding 400 entries:

    .venv/bin/python -m bench._ship_vectors [--cache PATH]

Run it after changing the starter entries (``--cache``: a .npy of vectors made by
``bench._tune_assistant --cache`` for the same texts and model, checked by its .sha1).
Entries whose text changed since are simply embedded by the job, as staff entries are.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

from claimdesk.assistant.embedding import default_embedder
from claimdesk.assistant.knowledge import SHIPPED_VECTORS, passage_text, starter_entries, text_hash
from claimdesk.assistant.retrieval import embed_passages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, help="vectors already made for these texts")
    args = parser.parse_args()
    embedder = default_embedder()
    texts = [passage_text(e.title, e.body) for e in starter_entries()]
    digest = hashlib.sha1("\n".join([embedder.name, *texts]).encode()).hexdigest()
    cache: Path | None = args.cache
    if cache is not None and cache.with_suffix(".sha1").read_text() == digest:
        vectors = np.load(cache, allow_pickle=False)
    else:
        vectors = embed_passages(embedder, texts)
    np.savez_compressed(
        SHIPPED_VECTORS,
        model=np.array(embedder.name),
        hashes=np.array([text_hash(t) for t in texts]),
        vectors=vectors.astype(np.float16),
    )


if __name__ == "__main__":
    main()
