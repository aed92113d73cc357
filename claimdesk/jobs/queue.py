"""The task queue (huey): SQLite-backed on one machine, Redis for several worker machines.

Tasks live in ``<domain>/tasks.py`` and are declared with ``@huey.task()``. Enqueue them
with :func:`enqueue_after_commit` so a job never runs before the data it needs is
committed, and never runs for a change that was rolled back. Tests run tasks inline
(``huey.immediate = True``).
"""

from __future__ import annotations

from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from sqlalchemy import event
from sqlalchemy.orm import Session

from claimdesk.config import Settings, get_settings

_PENDING = "claimdesk.pending_tasks"


def build_queue(settings: Settings) -> Huey:
    if settings.queue_url and settings.queue_url.startswith(("redis://", "rediss://")):
        return RedisHuey("claimdesk", url=settings.queue_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("claimdesk", filename=str(settings.data_dir / "queue.db"))


huey = build_queue(get_settings())


def enqueue_after_commit(session: Session, task: TaskWrapper, *args: Any) -> None:
    session.info.setdefault(_PENDING, []).append((task, args))


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    for task, args in session.info.pop(_PENDING, []):
        task(*args)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
