"""Write the query vectors of the assistant's everyday questions (off_topic.toml) into
the package (claimdesk/assistant/knowledge/off_topic.npz), so a fresh process compares a
question with them without embedding a hundred questions first:

    .venv/bin/python -m bench._ship_off_topic

Run it after changing off_topic.toml (a process finding the file stale embeds them itself).
"""

from __future__ import annotations

import numpy as np

from claimdesk.assistant.embedding import default_embedder
from claimdesk.assistant.knowledge import SHIPPED_OFF_TOPIC, off_topic_hash
from claimdesk.assistant.retrieval import off_topic_questions


def main() -> None:
    embedder = default_embedder()
    vectors = embedder.queries(list(off_topic_questions()))
    np.savez_compressed(
        SHIPPED_OFF_TOPIC,
        model=np.array(embedder.name),
        hash=np.array(off_topic_hash()),
        vectors=vectors.astype(np.float16),
    )


if __name__ == "__main__":
    main()
