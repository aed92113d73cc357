"""Background jobs of the documents domain."""

from __future__ import annotations

from claimdesk.bootstrap import installed
from claimdesk.documents import service
from claimdesk.documents.reading import default_ocr
from claimdesk.documents.storage import blob_store
from claimdesk.jobs.queue import huey


@huey.task(retries=3, retry_delay=10)
def read_document(document_id: int) -> None:
    """Read, classify and extract one document, then act on the claim's completeness.

    Safe to run more than once (a retry after a conflict only redoes the completeness step).
    """
    container = installed()
    service.process_document(
        container.sessions,
        document_id=document_id,
        store=blob_store(container.settings),
        ocr=default_ocr(),
        clock=container.clock,
        settings=container.settings,
    )
