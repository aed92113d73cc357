import logging

from claimdesk.core.logs import LibraryRepeatLimit


def record(name: str, message: str = "Ignoring wrong pointing object %s") -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, message, (7,), None)


def test_a_library_flooding_the_log_is_cut_to_a_burst_and_the_rest_is_counted():
    now = [0.0]
    limit = LibraryRepeatLimit(burst=20, window=60, clock=lambda: now[0])

    passed = [limit.filter(record("pypdf._reader")) for _ in range(12_000)]
    now[0] = 61.0
    next_one = record("pypdf.generic._base")

    assert sum(passed) == 20
    assert limit.filter(next_one)
    assert next_one.getMessage().startswith("[11,980 more pypdf messages left out] Ignoring")


def test_each_library_has_its_own_allowance_and_our_own_records_are_never_dropped():
    limit = LibraryRepeatLimit(burst=2, window=60)
    for _ in range(5):
        limit.filter(record("pypdf._reader"))

    assert limit.filter(record("PIL.TiffImagePlugin"))
    assert all(limit.filter(record("claimdesk.jobs.queue")) for _ in range(100))
