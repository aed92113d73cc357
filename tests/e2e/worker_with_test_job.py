"""``claimdesk worker --workers 1`` with the job-ledger tests' job added to its registry
(started by tests/e2e/test_worker_crash.py)."""

from __future__ import annotations

from claimdesk.bootstrap import build
from claimdesk.cli.main import run_worker
from claimdesk.jobs.queue import RetryPolicy
from claimdesk.jobs.registry import Task
from tests.integration.jobs.tasks import write_after_pause

WRITE_AFTER_PAUSE = Task(write_after_pause, write_after_pause, RetryPolicy(2, 5))

if __name__ == "__main__":
    run_worker(build(extra_tasks=[WRITE_AFTER_PAUSE]), workers=1)
