"""Turns at writing an SQLite file: first come, first served, bounded, across processes."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from claimdesk.core.db import build_engine
from claimdesk.core.errors import DatabaseBusy
from claimdesk.core.writer import WriterGate


def test_writers_take_turns_in_the_order_they_came(tmp_path):
    gate = WriterGate(tmp_path / "db.writer")
    assert gate.acquire(1)
    order: list[str] = []

    def write(name: str) -> None:
        assert gate.acquire(5)
        order.append(name)
        gate.release()

    waiting = []
    for name in ("first", "second", "third"):
        thread = threading.Thread(target=write, args=(name,))
        thread.start()
        waiting.append(thread)
        while gate.queued < len(waiting):
            time.sleep(0.01)
    gate.release()
    for thread in waiting:
        thread.join()

    assert order == ["first", "second", "third"]


def test_a_writer_that_does_not_get_its_turn_in_time_gives_up_and_the_next_one_goes_on(tmp_path):
    gate = WriterGate(tmp_path / "db.writer")
    assert gate.acquire(1)

    assert not gate.acquire(0.1)
    gate.release()

    assert gate.acquire(0.1)


def test_another_process_holding_the_file_makes_this_one_wait_its_turn(tmp_path):
    here, elsewhere = WriterGate(tmp_path / "db.writer"), WriterGate(tmp_path / "db.writer")
    assert elsewhere.acquire(1)  # a second gate on the file stands for another process

    assert not here.acquire(0.1)
    threading.Timer(0.2, elsewhere.release).start()
    assert here.acquire(5)
    here.release()


def test_concurrent_write_transactions_on_sqlite_all_commit_none_lost(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path / 'queue.db'}", write_wait_seconds=30)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))

    def read_then_add() -> None:  # the read sees no stale value: its write came first
        with engine.begin() as connection:
            connection.execute(text("UPDATE counter SET n = n"))
            add = connection.execute(text("SELECT n FROM counter")).scalar_one() + 1
            connection.execute(text("UPDATE counter SET n = :n"), {"n": add})

    threads = [threading.Thread(target=read_then_add) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 24
    engine.dispose()


def test_a_write_that_cannot_get_its_turn_in_time_is_refused_as_busy(tmp_path):
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    holder = build_engine(url, write_wait_seconds=5)
    waiter = build_engine(url, write_wait_seconds=0.2)
    with holder.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    with holder.begin() as holding:
        holding.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(DatabaseBusy), waiter.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
        with waiter.connect() as reader:  # reads never wait for the writer
            assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    holder.dispose()
    waiter.dispose()
