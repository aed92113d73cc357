"""A background task for the job-ledger tests: writes one line to a file, after a pause.

Idempotent like every ClaimDesk task: running it again rewrites the same line.
"""

from __future__ import annotations

import time
from pathlib import Path

from claimdesk.jobs.queue import huey


@huey.task(retries=2, retry_delay=5)
def write_after_pause(path: str, text: str, pause: float = 0.0) -> None:
    target = Path(path)
    with (target.parent / "started").open("a") as started:  # fails if the folder is missing
        started.write(f"{text}\n")
    time.sleep(pause)
    target.write_text(text)
