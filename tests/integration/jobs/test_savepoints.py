"""Jobs queued inside a savepoint (bulk intake takes each row in one) wait for the real
commit, and those of a savepoint rolled back never run."""

from __future__ import annotations

from claimdesk.core.db import unit_of_work
from claimdesk.jobs.queue import enqueue_after_commit
from tests.integration.jobs.tasks import write_after_pause


def test_a_job_queued_in_a_released_savepoint_runs_after_the_outer_commit(container, tmp_path):
    out = tmp_path / "out.txt"
    with unit_of_work(container.sessions) as session:
        with session.begin_nested():
            enqueue_after_commit(session, write_after_pause, str(out), "kept")
        assert not out.exists()  # releasing the savepoint is not the commit
    assert out.read_text() == "kept"


def test_a_job_of_a_rolled_back_savepoint_never_runs(container, tmp_path):
    (tmp_path / "undone").mkdir()
    (tmp_path / "kept").mkdir()
    with unit_of_work(container.sessions) as session:
        savepoint = session.begin_nested()
        enqueue_after_commit(session, write_after_pause, str(tmp_path / "undone" / "x"), "no")
        savepoint.rollback()
        enqueue_after_commit(session, write_after_pause, str(tmp_path / "kept" / "x"), "yes")
    assert (tmp_path / "kept" / "x").read_text() == "yes"
    assert list((tmp_path / "undone").iterdir()) == []
