"""A spawned app process on the event loop: its pipes read as a fork's are, its exit
awaited by a thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import threading
from typing import Optional

from .process import AppProcess, Hooks, pipe_readers, read_events
from .spawn import Started


class SpawnedProcess:
    """A ``Popen`` seen as a Process. A thread waits for it, as asyncio's own child
    watcher would; ``wait()`` ends when the process does, even while a process the app
    started still holds its output pipes."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen
        loop = asyncio.get_running_loop()
        self._exited: asyncio.Future[None] = loop.create_future()
        name = f"failsafe-flask-wait-{popen.pid}"
        threading.Thread(target=self._wait, args=(loop,), name=name, daemon=True).start()

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def returncode(self) -> Optional[int]:
        return self._popen.returncode

    def _wait(self, loop: asyncio.AbstractEventLoop) -> None:
        self._popen.wait()
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
            loop.call_soon_threadsafe(self._mark_exited)

    def _mark_exited(self) -> None:
        if not self._exited.done():
            self._exited.set_result(None)

    async def wait(self) -> int:
        await asyncio.shield(self._exited)
        code = self._popen.returncode
        assert code is not None  # set by Popen.wait() before the thread tells us
        return code


def adopt(started: Started, hooks: Hooks) -> AppProcess:
    events = asyncio.create_task(read_events(started.events, hooks))
    app = AppProcess(SpawnedProcess(started.popen), started.lifeline, hooks.note)
    app.tasks = pipe_readers(started.stdout, started.stderr, events, hooks)
    return app
