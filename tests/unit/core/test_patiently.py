import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from claimdesk.core.db import patiently

LOST = OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def pauses() -> list[float]:
    return []


def test_background_work_waits_out_a_database_outage(pauses):
    outcomes = iter([LOST, LOST, LOST, "done"])

    def call() -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert patiently(call, sleep=pauses.append) == "done"
    assert pauses == [0.5, 1.0, 2.0]  # backing off


def test_it_gives_up_when_the_outage_outlasts_its_patience(pauses):
    def call() -> None:
        raise LOST

    with pytest.raises(OperationalError):
        patiently(call, seconds=0, sleep=pauses.append)
    assert pauses == []


def test_other_database_errors_are_not_waited_on(pauses):
    def call() -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    with pytest.raises(IntegrityError):
        patiently(call, sleep=pauses.append)
    assert pauses == []
