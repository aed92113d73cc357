"""Alembic environment: runs on the connection ClaimDesk hands it (see bootstrap)."""

from alembic import context

import claimdesk.assistant.models
import claimdesk.audit.models
import claimdesk.catastrophe.models
import claimdesk.claims.models
import claimdesk.compliance.models
import claimdesk.customers.models
import claimdesk.documents.models
import claimdesk.fraud.models
import claimdesk.interop.models
import claimdesk.jobs.models
import claimdesk.messaging.models
import claimdesk.policies.models
import claimdesk.security.models
import claimdesk.support.models
import claimdesk.webhooks.models  # noqa: F401 - registers the tables
from claimdesk.core.db import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
