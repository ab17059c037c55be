"""The native watcher: changes made outside the editor (git, another tool, a terminal).

watchfiles runs inotify / FSEvents in Rust, so nothing here polls the tree. Its own
`watch()` waits for the whole tree to be quiet before it reports and filters only then:
a folder written 100 times a second (a cache, a log) that the filter drops anyway kept
a save waiting for up to 1.6 s. So a thread here takes the raw changes from its
`RustNotify` as they come, drops the ignored ones at once and lets `batch.Burst` decide,
from the relevant changes only, when a burst is complete.

It is compiled, so the VS Code extension cannot bundle it for every interpreter: without
it, the editor's own save and file events are the only triggers, and the watcher says so
once.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from . import catchup
from .batch import Burst

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "watchfiles is not installed in this interpreter: changes made outside the editor "
    "are seen only through the editor's file events (pip install watchfiles)."
)
# The Rust loop sleeps this long between looks at what it collected, idle or not:
# 10 ms costs 0.3 % of a core with nothing happening (measured) and adds at most 20 ms
# to a save.
STEP_MS = 10
DEBOUNCE_MS = 1  # report what it has at the next step: the burst is timed here
BUSY_LOOK_MS = 20


@dataclass(frozen=True)
class Missed:
    """Where to look, once armed, for what was written before: since an app process
    started (``time.time_ns()``), outside the folders ``skip_folder`` rejects."""

    since_ns: int
    skip_folder: Callable[[str], bool]


class Watcher:
    def __init__(
        self,
        root: str,
        accept: Callable[[str], bool],
        on_changes: Callable[[list[str]], None],
        on_unavailable: Callable[[str], None],
        missed: Optional[Missed] = None,
    ) -> None:
        self._root = root
        self._accept = accept
        self._missed = missed
        self._on_changes = on_changes
        self._on_unavailable = on_unavailable
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        self._stop.clear()
        loop = asyncio.get_running_loop()
        self._thread = threading.Thread(
            target=self._run, args=(loop,), name="failsafe-watch", daemon=True
        )
        self._thread.start()

    async def close(self) -> None:
        self._stop.set()  # the Rust loop looks at it every step
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join)

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        # Imported here: watchfiles (anyio beneath it) is ~35 ms of imports, which the
        # first app process's launch, on the event loop, need not wait for.
        notify_class = _rust_notify()
        if notify_class is None:
            self._call(loop, self._on_unavailable, UNAVAILABLE)
            return
        try:
            with notify_class([self._root], False, False, 300, True, True) as notify:
                self._loop(notify, loop, self._written_before())
        except Exception:  # a dead watcher must not take the supervisor down
            log.exception("the file watcher stopped; saves in the editor still restart the app")

    def _written_before(self) -> list[str]:
        missed = self._missed
        if missed is None:
            return []
        return catchup.written_since(self._root, missed.since_ns, missed.skip_folder)

    def _loop(
        self, notify: Any, loop: asyncio.AbstractEventLoop, early: Sequence[str] = ()
    ) -> None:
        burst = Burst()
        if early:  # as if they had just changed: the next quiet moment reports them
            burst.add(time.monotonic(), [path for path in early if self._accept(path)])
        lock = git_index_lock(self._root)
        while not self._stop.is_set():
            busy = lock is not None and os.path.exists(lock)
            wait = burst.wait(time.monotonic(), busy)
            if wait is not None and wait <= 0:
                self._report(loop, burst.take())
                continue
            # Waiting for a burst to end, it looks at least as often as the time left, so
            # the burst is not held for up to a whole step past its end (and, while git
            # is busy, often enough to see its lock go even outside the watched folder).
            timeout_ms = 0 if wait is None else max(1, math.ceil(wait * 1000))
            if busy:
                timeout_ms = min(timeout_ms, BUSY_LOOK_MS)
            step_ms = STEP_MS if wait is None else min(STEP_MS, timeout_ms)
            raw = notify.watch(DEBOUNCE_MS, step_ms, timeout_ms, self._stop)
            if isinstance(raw, set):
                burst.add(time.monotonic(), [path for _, path in raw if self._accept(path)])

    def _report(self, loop: asyncio.AbstractEventLoop, paths: list[str]) -> None:
        self._call(loop, self._on_changes, paths)

    def _call(self, loop: asyncio.AbstractEventLoop, func: Callable[[Any], None], arg: Any) -> None:
        try:
            loop.call_soon_threadsafe(func, arg)
        except RuntimeError:  # the loop has closed: nobody is left to restart
            self._stop.set()


def git_index_lock(root: str) -> Optional[str]:
    """The index lock of the git repository holding ``root``, if any. Git holds it for the
    whole of a checkout, a merge or a reset: on a busy machine it can pause longer than a
    burst's quiet time between two files, and one checkout would restart twice."""
    folder = os.path.abspath(root)
    while True:
        dot_git = os.path.join(folder, ".git")
        if os.path.isdir(dot_git):
            return os.path.join(dot_git, "index.lock")
        if os.path.isfile(dot_git):  # a worktree or a submodule: "gitdir: <path>"
            try:
                with open(dot_git, encoding="utf-8") as f:
                    line = f.readline().strip()
            except OSError:
                return None
            if not line.startswith("gitdir:"):
                return None
            return os.path.join(folder, line[len("gitdir:") :].strip(), "index.lock")
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _rust_notify() -> Any:
    """watchfiles' Rust watcher class, or None when watchfiles is not installed."""
    try:
        # The package first: a `None` in sys.modules (how a missing package is simulated,
        # and how the extension's bundle hides it) must stop the submodule's import too.
        import watchfiles  # noqa: F401
        from watchfiles._rust_notify import RustNotify
    except ImportError:
        return None
    return RustNotify
