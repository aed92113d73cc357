"""The per-user limit kept in process memory: a sliding-window counter (the previous
window's count weighted by its overlap, plus the current window's)."""

from __future__ import annotations

from claimdesk.api.ratelimit import LocalSlidingWindow

START = 6_000.0  # the start of a 60-second window


def test_requests_within_the_limit_pass_and_the_next_one_waits_for_the_next_window():
    window = LocalSlidingWindow(3, 60)
    assert [window.hit("7", START + s) for s in (1, 2, 3)] == [None, None, None]
    wait = window.hit("7", START + 10)
    assert wait is not None and 50 <= wait <= 120


def test_users_are_counted_apart():
    window = LocalSlidingWindow(1, 60)
    assert window.hit("1", START) is None
    assert window.hit("2", START) is None
    assert window.hit("1", START + 1) is not None


def test_the_previous_window_weighs_in_by_its_overlap():
    window = LocalSlidingWindow(4, 60)
    for s in range(4):
        assert window.hit("7", START + 50 + s) is None
    # 1 s into the next window the previous one still weighs 4 * 59/60: one more passes,
    # the next is over the limit.
    assert window.hit("7", START + 61) is None
    refused = window.hit("7", START + 62)
    assert refused is not None and refused > 0
    # Once the previous window weighs less, requests pass again (and refused ones did not count).
    assert window.hit("7", START + 76 + refused + 1) is None


def test_a_window_two_back_no_longer_counts():
    window = LocalSlidingWindow(2, 60)
    assert window.hit("7", START) is None and window.hit("7", START + 1) is None
    assert window.hit("7", START + 121) is None and window.hit("7", START + 122) is None


def test_idle_users_are_dropped_when_the_table_grows():
    window = LocalSlidingWindow(5, 60)
    window.PRUNE_AT = 3
    for user in range(4):
        window.hit(str(user), START)
    window.hit("late", START + 180)
    assert window.hit("0", START + 181) is None
    assert len(window._counts) <= 3
