"""Have a preloader fork an app process, with the same socket, pipes and lifeline that a
spawned one inherits."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Optional

from ..protocol import ForkRequest
from .launch import LaunchPlan
from .preload import Preloader
from .process import AppProcess, Hooks, pipe_readers, read_events

# A fork orphaned by its preloader's death cannot be waited for: its end is known (EOF on
# its event pipe), its exit status is not.
UNKNOWN_EXIT = 1


class ForkedProcess:
    """A fork of the preloader, seen as a Process: the preloader reaps it and replies
    with its exit status, which arrives here as ``exit_future``."""

    def __init__(
        self, pid: int, exit_future: asyncio.Future[Optional[int]], events: asyncio.Task[None]
    ) -> None:
        self.pid = pid
        self.returncode: Optional[int] = None
        self._exit = exit_future
        self._events = events
        exit_future.add_done_callback(self._on_exit)

    def _on_exit(self, exit_future: asyncio.Future[Optional[int]]) -> None:
        if not exit_future.cancelled() and exit_future.result() is not None:
            self.returncode = exit_future.result()

    async def wait(self) -> int:
        code = await asyncio.shield(self._exit)
        if code is None:  # the preloader died first: EOF on the event pipe is our sign
            await asyncio.shield(self._events)
            self.returncode = UNKNOWN_EXIT
            return UNKNOWN_EXIT
        return code


async def fork(
    preloader: Preloader, plan: LaunchPlan, sock: socket.socket, hooks: Hooks
) -> AppProcess:
    """Fork ``plan``; raises ``PreloadError`` when the preloader cannot."""
    (event_r, event_w), (life_r, life_w) = os.pipe(), os.pipe()
    (out_r, out_w), (err_r, err_w) = os.pipe(), os.pipe()
    ours, theirs = (event_r, life_w, out_r, err_r), (event_w, life_r, out_w, err_w)
    request = ForkRequest(argv=plan.argv, env=plan.env, cwd=plan.cwd)
    try:
        pid, exit_future = await preloader.fork(request, (sock.fileno(), *theirs))
    except BaseException:
        for fd in ours:
            os.close(fd)
        raise
    finally:
        for fd in theirs:  # only the fork holds these now, as after a spawn
            os.close(fd)
    events = asyncio.create_task(read_events(event_r, hooks))
    app = AppProcess(ForkedProcess(pid, exit_future, events), life_w, hooks.note)
    app.tasks = pipe_readers(out_r, err_r, events, hooks)
    return app
