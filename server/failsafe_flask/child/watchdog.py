"""A load that never ends (an endless loop, a blocking call at import) still gets reported.

A thread waits while the main thread loads the app; if loading outlasts the timeout, it
reports a ``TimeoutError`` load error whose frames are where the main thread is stuck at
that moment, then lets loading go on: the next save restarts the app anyway, and should
the load finish after all, the ``ready`` event that follows says so.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from failsafe_flask.child.exceptions import stack_frames
from failsafe_flask.protocol import ExceptionInfo, Frame


class LoadWatchdog:
    """``start()`` before loading, ``done()`` after; ``on_timeout`` gets the stuck stack."""

    def __init__(
        self, timeout: float, root: str, on_timeout: Callable[[ExceptionInfo], None]
    ) -> None:
        self._timeout = timeout
        self._root = root
        self._on_timeout = on_timeout
        self._done = threading.Event()
        self._main = threading.main_thread().ident

    def start(self) -> None:
        name = "failsafe-flask-load-watchdog"
        # A daemon: it must never keep the process alive.
        threading.Thread(target=self._watch, name=name, daemon=True).start()

    def done(self) -> None:
        self._done.set()

    def _watch(self) -> None:
        if self._done.wait(self._timeout):
            return
        frame = sys._current_frames().get(self._main) if self._main is not None else None
        frames = from_the_project_on(stack_frames(frame, self._root))
        self._on_timeout(stuck_error(self._timeout, frames))


def from_the_project_on(frames: list[Frame]) -> list[Frame]:
    """A live stack starts at the interpreter's entry (``frames.visible`` drops runpy,
    our loader, Flask's, importlib): the user's story starts at the first project frame."""
    first = next((i for i, frame in enumerate(frames) if frame["project"]), None)
    return frames[first:] if first is not None else frames


def stuck_error(timeout: float, frames: list[Frame]) -> ExceptionInfo:
    return {
        "type": "TimeoutError",
        "message": f"the app did not finish loading in {timeout:g} s; it was here:",
        "frames": frames,
        "syntax": None,
        "paths": [],
        "cause": None,
        "context": None,
    }
