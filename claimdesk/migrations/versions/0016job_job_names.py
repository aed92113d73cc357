"""jobs: the ledger names jobs by the function the job registry runs

Background jobs became plain functions run by ``claimdesk.jobs.registry``; four of them are
now the service function that does the work rather than a task wrapper around it. Jobs
recorded before (pending, running or dead-lettered) are renamed so they still run; huey
messages queued under the old task name are lost with the upgrade and queued again by the
ledger's reconciler (within two minutes).

Revision ID: 0016job
Revises: 0001
Create Date: 2026-12-04 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016job"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("job_names",)
depends_on: str | Sequence[str] | None = ("0010job",)  # the jobs table

RENAMED = {
    "claimdesk.documents.tasks:read_document": "claimdesk.documents.service:process_document",
    "claimdesk.support.tasks:deliver_message": "claimdesk.support.outbox:deliver",
    "claimdesk.webhooks.tasks:deliver_webhook": "claimdesk.webhooks.service:deliver",
    "claimdesk.assistant.tasks:embed_entries": "claimdesk.assistant.service:refresh_vectors",
}

jobs = sa.table("jobs", sa.column("task", sa.String))


def _rename(names: dict[str, str]) -> None:
    for old, new in names.items():
        op.execute(jobs.update().where(jobs.c.task == old).values(task=new))


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})
