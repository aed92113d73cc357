"""A background job for the job-ledger tests: writes one line to a file, after a pause
(given to the test container and to the worker of tests/e2e/test_worker_crash.py).

Idempotent like every ClaimDesk job: running it again rewrites the same line.
"""

from __future__ import annotations

import time
from pathlib import Path


def write_after_pause(path: str, text: str, pause: float = 0.0) -> None:
    target = Path(path)
    with (target.parent / "started").open("a") as started:  # fails if the folder is missing
        started.write(f"{text}\n")
    time.sleep(pause)
    target.write_text(text)
