"""Background jobs of the assistant."""

from __future__ import annotations

from claimdesk.assistant import service
from claimdesk.bootstrap import installed
from claimdesk.jobs.queue import huey


@huey.task(retries=3, retry_delay=30)
def embed_entries() -> int:
    """Store fresh passage vectors for every knowledge-base entry that lacks them (new,
    edited, or made by another model), in batches on all cores. Safe to run again."""
    container = installed()
    return service.refresh_vectors(container.sessions, embedder=container.embedder)
