"""Turns at writing an SQLite file: writers queue instead of failing with "database is locked".

SQLite has one writer at a time per file. Left to itself, a writer that finds the file
locked sleeps and polls (the busy handler: 1, 2, 5 ... then 100 ms naps), so under a burst
the threads of one process race each other and the process that commits back to back keeps
winning: the other (the job runner beside the web server) is starved for seconds and ends
with "database is locked" (measured: docs/benchmarks.md). A :class:`WriterGate` makes them
take turns instead:

- inside a process, writers wait in a first-come, first-served queue (a condition
  variable), so only one thread at a time asks for the file;
- between processes, that one thread holds an exclusive ``flock`` on a lock file beside the
  database for its whole write transaction. The kernel wakes a blocked ``flock`` waiter as
  soon as the lock is free, so the web server and the job runner alternate (no polling).

Every wait is bounded: a writer that does not get its turn within ``timeout`` seconds gets
:class:`~claimdesk.core.errors.DatabaseBusy` (the API answers 503 with Retry-After). The
blocking ``flock`` runs on a helper thread so that the waiting thread can give up on time.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections import deque
from pathlib import Path


class _FileTurn:
    """An exclusive ``flock`` on ``path`` for one holder of this process at a time."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._state = threading.Condition()
        self._wanted = False  # a holder of the in-process turn waits for the file
        self._waiting = False  # the helper thread is blocked in flock
        self._held = False
        self._helper: threading.Thread | None = None

    def acquire(self, timeout: float) -> bool:
        with self._state:
            if not self._waiting:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    pass
                else:
                    self._held = True
                    return True
            self._wanted = True
            self._start_helper()
            self._state.notify_all()
            granted = self._state.wait_for(lambda: self._held, timeout)
            self._wanted = False
            return granted

    def release(self) -> None:
        with self._state:
            self._held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _start_helper(self) -> None:
        if self._helper is None:
            self._helper = threading.Thread(
                target=self._wait_for_file, name="claimdesk-writer-turn", daemon=True
            )
            self._helper.start()

    def _wait_for_file(self) -> None:
        while True:
            with self._state:
                self._state.wait_for(lambda: self._wanted and not self._held)
                self._waiting = True
            fcntl.flock(self._fd, fcntl.LOCK_EX)  # blocks in the kernel until our turn
            with self._state:
                self._waiting = False
                if self._wanted:
                    self._held = True
                    self._state.notify_all()
                else:  # the thread that asked gave up meanwhile
                    fcntl.flock(self._fd, fcntl.LOCK_UN)


class WriterGate:
    """First come, first served turns at writing one SQLite file, across threads and
    processes. ``acquire`` and ``release`` may be called from different threads (a request's
    transaction can end on another thread of the pool than the one that began it)."""

    def __init__(self, lock_file: Path) -> None:
        self._queue: deque[object] = deque()
        self._busy = False
        self._state = threading.Condition()
        self._file = _FileTurn(lock_file)

    def acquire(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the turn; False if it did not come."""
        deadline = time.monotonic() + timeout
        ticket = object()
        with self._state:
            self._queue.append(ticket)
            ready = self._state.wait_for(
                lambda: not self._busy and self._queue[0] is ticket, timeout
            )
            self._queue.remove(ticket)
            if not ready:
                self._state.notify_all()  # the next in line may be first now
                return False
            self._busy = True
        if self._file.acquire(max(0.0, deadline - time.monotonic())):
            return True
        self._hand_on()
        return False

    def release(self) -> None:
        self._file.release()
        self._hand_on()

    def _hand_on(self) -> None:
        with self._state:
            self._busy = False
            self._state.notify_all()

    @property
    def queued(self) -> int:
        """Writers of this process waiting for their turn (not counting the holder)."""
        return len(self._queue)


_gates: dict[Path, WriterGate] = {}
_gates_lock = threading.Lock()


def writer_gate(database: Path) -> WriterGate:
    """The process's gate for this database file (every engine on the file shares it)."""
    with _gates_lock:
        gate = _gates.get(database)
        if gate is None:
            gate = _gates[database] = WriterGate(database.with_name(database.name + ".writer"))
        return gate
