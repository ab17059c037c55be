"""Output to a reader that may stop reading (a client that no longer reads the protocol,
``failsafe-flask run`` piped into a stuck program).

A write on a full pipe blocks; done on the event loop, it freezes everything: requests
whose output is not drained, signal handlers that never run. Here a thread does the
blocking writes and the loop only queues bytes, so it never waits on the reader. What
piles up is bounded by the callers: past ``LIMIT`` bytes waiting, ``backed_up()`` says
so, and lines that may be lost (the app's output) are counted by a ``Drops`` instead,
told afterwards as one ``[N lines dropped]`` note.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from typing import Callable, Optional

LIMIT = 1 << 20  # bytes waiting for the reader before the app's lines are dropped


class Outlet:
    """Non-blocking writes to ``fd`` (written as given, by a daemon thread)."""

    def __init__(self, fd: int, on_drained: Optional[Callable[[], None]] = None) -> None:
        self._fd = fd
        self._on_drained = on_drained  # called (on the writer thread) once caught up
        self._queue: deque[bytes] = deque()
        self._pending = 0
        self._was_full = False
        self._closed = False
        self._broken = False  # the reader is gone: nothing more can be written
        self._cond = threading.Condition()
        threading.Thread(target=self._pump, name="failsafe-flask-outlet", daemon=True).start()

    def write(self, data: bytes) -> None:
        with self._cond:
            if self._broken or self._closed or not data:
                return
            self._queue.append(data)
            self._pending += len(data)
            self._cond.notify_all()

    def backed_up(self) -> bool:
        with self._cond:
            full = self._pending > LIMIT
            self._was_full = self._was_full or full
            return full

    def close(self, timeout: float) -> None:
        """Let the reader take what is queued, for at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            while self._pending and not self._broken:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def _pump(self) -> None:
        while (data := self._next()) is not None:
            try:
                _write_all(self._fd, data)
            except OSError:  # EPIPE and the like: the reader has gone
                with self._cond:
                    self._broken = True
                    self._queue.clear()
                    self._pending = 0
                    self._cond.notify_all()
                return
            self._written(len(data))

    def _next(self) -> Optional[bytes]:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            return self._queue.popleft() if self._queue else None

    def _written(self, size: int) -> None:
        with self._cond:
            self._pending -= size
            caught_up = not self._queue and self._was_full
            if caught_up:
                self._was_full = False
            self._cond.notify_all()
        if caught_up and self._on_drained is not None:
            self._on_drained()


class TextOutlet:
    """An Outlet for code that writes text (a TextIO's write and flush)."""

    def __init__(self, outlet: Outlet, encoding: str) -> None:
        self.outlet = outlet
        self._encoding = encoding

    def write(self, text: str) -> int:
        self.outlet.write(text.encode(self._encoding, "replace"))
        return len(text)

    def flush(self) -> None:
        pass  # the outlet's thread writes as soon as it can


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Drops:
    """Lines not written because the reader is behind: counted, then one note."""

    def __init__(self) -> None:
        self.count = 0

    def drop(self) -> None:
        self.count += 1

    def note(self) -> Optional[str]:
        """The note to write before the next line, once; None when nothing was dropped."""
        count, self.count = self.count, 0
        if not count:
            return None
        return f"[{count} line{'s' if count != 1 else ''} dropped]"
