"""Log output that stays readable: what third-party libraries log is limited per library.

A damaged PDF makes pypdf log a warning per broken object (about 12,000 lines for one
file). :class:`LibraryRepeatLimit` lets the first ``burst`` records of each library through
per ``window`` seconds and drops the rest; the next record let through says how many were
left out. ClaimDesk's own records are never dropped.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable

OWN_LOGGERS = ("claimdesk", "uvicorn", "huey")


class LibraryRepeatLimit(logging.Filter):
    def __init__(
        self, *, burst: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._burst, self._window, self._clock = burst, window, clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int, int]] = {}  # started, passed, dropped

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.split(".", 1)[0]
        if library in OWN_LOGGERS or library == "root":
            return True
        now = self._clock()
        with self._lock:
            started, passed, dropped = self._windows.get(library, (now, 0, 0))
            if now - started >= self._window:
                started, passed = now, 0
            if passed >= self._burst:
                self._windows[library] = (started, passed, dropped + 1)
                return False
            self._windows[library] = (started, passed + 1, 0)
        if dropped:
            record.msg = f"[{dropped:,} more {library} messages left out] {record.msg}"
        return True


def limit_library_logs() -> None:
    """Send warnings to stderr through the limit (once per process; the root logger gets a
    handler if it has none, as ``logging.lastResort`` would have printed them)."""
    root = logging.getLogger()
    if not root.handlers:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(stderr)
    for handler in root.handlers:
        if not any(isinstance(f, LibraryRepeatLimit) for f in handler.filters):
            handler.addFilter(LibraryRepeatLimit())
