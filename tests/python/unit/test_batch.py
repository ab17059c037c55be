"""When a burst of watched changes is complete: ignored changes never extend it."""

from __future__ import annotations

import pytest

from failsafe_flask.supervisor.batch import LONGEST, MANY, QUIET, QUIET_MANY, Burst


def test_nothing_seen_means_nothing_to_wait_for() -> None:
    burst = Burst()
    assert burst.wait(10.0) is None
    burst.add(10.0, [])  # a batch of ignored changes only
    assert burst.wait(10.0) is None


def test_a_burst_ends_quiet_seconds_after_its_last_change() -> None:
    burst = Burst()
    burst.add(10.0, ["/p/a.py"])
    assert burst.wait(10.0) == pytest.approx(QUIET)
    burst.add(10.02, ["/p/b.py"])
    assert burst.wait(10.02) == pytest.approx(QUIET)
    assert burst.wait(10.02 + QUIET) == pytest.approx(0.0)


def test_ignored_changes_do_not_extend_it() -> None:
    burst = Burst()
    burst.add(10.0, ["/p/a.py"])
    for step in range(1, 10):  # the caller filtered a churning cache folder out
        burst.add(10.0 + step * 0.01, [])
    assert burst.wait(10.0 + QUIET) == pytest.approx(0.0)


def test_a_burst_that_never_goes_quiet_ends_after_the_longest_wait() -> None:
    burst = Burst()
    now = 10.0
    while now < 10.0 + LONGEST:
        burst.add(now, [f"/p/m{int(now * 100)}.py"])
        now += QUIET / 2
    wait = burst.wait(now)
    assert wait is not None and wait <= 0


def test_take_returns_the_paths_once_sorted_and_starts_afresh() -> None:
    burst = Burst()
    burst.add(1.0, ["/p/b.py", "/p/a.py"])
    burst.add(1.01, ["/p/a.py"])
    assert burst.take() == ["/p/a.py", "/p/b.py"]
    assert burst.wait(1.02) is None
    burst.add(5.0, ["/p/c.py"])
    assert burst.wait(5.0) == pytest.approx(QUIET)  # timed from the new burst's start


def test_a_burst_of_many_files_waits_longer_for_quiet() -> None:
    burst = Burst()
    burst.add(10.0, [f"/p/m{i}.py" for i in range(MANY - 1)])
    assert burst.wait(10.0) == pytest.approx(QUIET)
    burst.add(10.01, ["/p/last.py"])  # a checkout: the tool may pause between files
    assert burst.wait(10.01) == pytest.approx(QUIET_MANY)


def test_while_a_tool_is_busy_only_the_longest_wait_ends_it() -> None:
    burst = Burst()
    burst.add(10.0, ["/p/helper.py"])  # git checkout's first file, then a pause
    assert burst.wait(10.0 + QUIET, busy=True) == pytest.approx(LONGEST - QUIET)
    assert burst.wait(10.0 + QUIET, busy=False) == pytest.approx(0.0)
