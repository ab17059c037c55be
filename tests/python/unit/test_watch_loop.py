"""The watcher's loop over watchfiles' Rust notifier, with a scripted notifier and clock:
ignored changes are dropped as they come and never hold a relevant one back."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union

import pytest

from failsafe_flask.supervisor import watch
from failsafe_flask.supervisor.batch import QUIET

Raw = Union[set[tuple[int, str]], str]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class ScriptedNotify:
    """Returns its script's changes one call at a time, each STEP_MS after the last; with
    nothing left it waits out the timeout, then stops the loop."""

    def __init__(self, clock: Clock, script: list[Raw]) -> None:
        self.clock = clock
        self.script = script
        self.timeouts: list[int] = []

    def watch(self, _debounce: int, step: int, timeout: int, stop: threading.Event) -> Raw:
        self.timeouts.append(timeout)
        if self.script:
            self.clock.now += step / 1000
            return self.script.pop(0)
        if timeout:
            self.clock.now += timeout / 1000
            return "timeout"
        stop.set()
        return "stop"


class NowLoop:
    def call_soon_threadsafe(self, callback: Callable[..., None], *args: Any) -> None:
        callback(*args)


def run(script: list[Raw], monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, list[str]]]:
    clock = Clock()
    monkeypatch.setattr(watch.time, "monotonic", clock)
    reported: list[tuple[float, list[str]]] = []
    watcher = watch.Watcher(
        "/p",
        accept=lambda path: path.endswith(".py") and "/cache/" not in path,
        on_changes=lambda paths: reported.append((clock.now, paths)),
        on_unavailable=lambda text: None,
    )
    loop: Any = NowLoop()
    watcher._loop(ScriptedNotify(clock, script), loop)
    return reported


def test_a_save_amid_churn_is_reported_once_quiet_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    churn: list[Raw] = [{(1, f"/p/cache/c{i}.py")} for i in range(5)]
    script = [*churn, {(2, "/p/views.py"), (1, "/p/cache/x.py")}, *churn]
    [(when, paths)] = run(script, monkeypatch)
    assert paths == ["/p/views.py"]
    saved_at = 100.0 + 6 * watch.STEP_MS / 1000
    # The churn after the save kept the notifier busy but did not push the report back.
    assert when - saved_at == pytest.approx(QUIET, abs=watch.STEP_MS / 1000)


def test_only_ignored_changes_report_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run([{(1, f"/p/cache/c{i}.py")} for i in range(20)], monkeypatch) == []


def test_two_bursts_are_two_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    script: list[Raw] = [{(2, "/p/a.py")}, "timeout", "timeout", "timeout", {(2, "/p/b.py")}]
    reported = run(script, monkeypatch)
    assert [paths for _, paths in reported] == [["/p/a.py"], ["/p/b.py"]]


def test_without_watchfiles_it_says_so_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "watchfiles", None)
    said: list[str] = []

    async def start() -> None:
        watcher = watch.Watcher("/p", lambda p: True, lambda p: None, said.append)
        watcher.start()
        await watcher.close()  # its thread has told the loop by then
        await asyncio.sleep(0)  # where the loop runs what it was told

    asyncio.run(start())
    assert said == [watch.UNAVAILABLE]


def test_the_git_index_lock_is_found_from_a_subfolder_and_through_a_gitdir_file(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src" / "app").mkdir(parents=True)
    assert watch.git_index_lock(str(repo / "src" / "app")) == str(repo / ".git" / "index.lock")
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {repo / '.git' / 'worktrees' / 'wt'}\n")
    lock = repo / ".git" / "worktrees" / "wt" / "index.lock"
    assert watch.git_index_lock(str(worktree)) == str(lock)


def test_a_save_while_git_holds_its_lock_waits_for_the_lock(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".git").mkdir()
    lock = tmp_path / ".git" / "index.lock"
    lock.touch()
    clock = Clock()
    monkeypatch.setattr(watch.time, "monotonic", clock)
    reported: list[float] = []
    watcher = watch.Watcher(
        str(tmp_path), lambda p: True, lambda p: reported.append(clock.now), lambda t: None
    )

    class LockGoesLater(ScriptedNotify):
        def watch(self, debounce: int, step: int, timeout: int, stop: threading.Event) -> Raw:
            if clock.now > 100.5:
                lock.unlink(missing_ok=True)  # git is done after half a second
            return super().watch(debounce, step, timeout, stop)

    script: list[Raw] = [{(2, str(tmp_path / "a.py"))}, *["timeout"] * 40]
    loop: Any = NowLoop()
    watcher._loop(LockGoesLater(clock, script), loop)
    [when] = reported
    assert when > 100.5  # not QUIET after the first file
