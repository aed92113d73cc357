"""Imports every domain's tasks so a worker knows them all (add a line per tasks module)."""

import claimdesk.analytics.tasks
import claimdesk.assistant.tasks
import claimdesk.customers.tasks
import claimdesk.documents.tasks
import claimdesk.fraud.tasks
import claimdesk.support.tasks
import claimdesk.webhooks.tasks  # noqa: F401 - registers the tasks
from claimdesk.jobs.queue import huey

__all__ = ["huey"]
