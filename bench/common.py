"""What every benchmark shares: the database under test, the machine, SQL metering."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url

# Importing the app registers every model with Base.metadata (needed to drop the schema).
import claimdesk.api.app  # noqa: F401
from claimdesk.bootstrap import Container, build, upgrade_database
from claimdesk.claims.models import Claim
from claimdesk.config import Settings
from claimdesk.core.clock import FixedClock
from claimdesk.core.db import Base

TEMP_SQLITE = "sqlite-temp"
"""``--database-url`` keyword: a fresh SQLite file in a temporary folder, removed afterwards."""

# The synthetic "now" of every benchmark: fixed, so runs are comparable (a Monday, 10:00
# in Shanghai, as in the test suite).
BENCH_NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


@dataclass
class Target:
    """One database the benchmarks run against."""

    url: str  # as given (password hidden)
    label: str  # e.g. "SQLite 3.40.1 (temporary file, WAL)"
    dialect: str  # "sqlite" or "postgresql"
    container: Container


def _server_label(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            version = connection.execute(text("SHOW server_version")).scalar_one()
            return f"PostgreSQL {version}"
        return f"{engine.dialect.name} {connection.execute(text('SELECT version()')).scalar()}"


def _drop_everything(container: Container) -> None:
    with container.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@contextmanager
def open_target(url: str, *, reset: bool) -> Iterator[Target]:
    """Connect, create (or with ``reset`` recreate) the schema and the product catalogue.

    A database given by URL is only wiped with ``reset``; without it the benchmark refuses a
    database that already holds claims, so it never mixes its rows with someone's data.
    """
    tmp = Path(tempfile.mkdtemp(prefix="claimdesk-bench-"))
    try:
        if url == TEMP_SQLITE:
            real_url = f"sqlite:///{tmp / 'bench.db'}"
            shown = f"{TEMP_SQLITE} ({real_url})"
        else:
            real_url = url
            shown = make_url(url).render_as_string(hide_password=True)
        settings = Settings(environment="test", database_url=real_url, data_dir=tmp)
        container = build(settings, clock=FixedClock(BENCH_NOW))
        try:
            if url != TEMP_SQLITE:
                if reset:
                    _drop_everything(container)
                elif inspect(container.engine).has_table("claims"):
                    with container.sessions() as session:
                        if session.scalar(select(func.count()).select_from(Claim)):
                            raise SystemExit(
                                f"{shown} already holds claims; pass --reset to wipe it "
                                "(only do that on a database made for benchmarking)."
                            )
            upgrade_database(container)
            label = _server_label(container.engine)
            if container.engine.dialect.name == "sqlite":
                label += " (temporary file, WAL)" if url == TEMP_SQLITE else " (file, WAL)"
            yield Target(shown, label, container.engine.dialect.name, container)
        finally:
            container.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- SQL metering


class SqlMeter:
    """Counts statements and the time spent in the DBAPI ``execute`` on one engine.

    Two ``perf_counter`` calls per statement: cheap next to the statement itself.
    """

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        self.execute_seconds = 0.0
        self._started: float = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        self._engine = engine

    def _before(self, *_: Any) -> None:
        self.statements += 1
        self._started = perf_counter()

    def _after(self, *_: Any) -> None:
        self.execute_seconds += perf_counter() - self._started

    def snapshot(self) -> tuple[int, float]:
        return self.statements, self.execute_seconds

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._before)
        event.remove(self._engine, "after_cursor_execute", self._after)


# ---------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    return {
        "nproc": str(usable),
        "cpu": _cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlalchemy": sqlalchemy.__version__,
    }


def code_revision(root: Path) -> str:
    """The commit the package was measured at (read-only git calls), and whether it was edited."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "claimdesk"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (claimdesk/ has uncommitted changes)" if dirty else head


def load_average() -> str:
    """Other work on the machine skews wall-time figures; the load says how much there was."""
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


# ---------------------------------------------------------------- formatting


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("nan")


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"
