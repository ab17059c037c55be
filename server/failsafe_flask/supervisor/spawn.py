"""Start an app process in a new interpreter: the way that works everywhere."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Optional

from .. import protocol
from .launch import LaunchPlan
from .lines import LINE_LIMIT, read_lines
from .process import AppProcess, Hooks, read_events


class _ExitProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """Marks the moment the process exits.

    Before Python 3.12, ``Process.wait()`` also waits for stdout and stderr to close,
    which never happens while a subprocess the app started holds them.
    """

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited: asyncio.Future[None] = loop.create_future()

    def process_exited(self) -> None:
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(None)


class SpawnedProcess:
    """An ``asyncio.subprocess.Process`` whose ``wait()`` ends when the process does."""

    def __init__(self, process: asyncio.subprocess.Process, exit_protocol: _ExitProtocol) -> None:
        self.process = process
        self._exited = exit_protocol.exited

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> Optional[int]:
        return self.process.returncode

    async def wait(self) -> int:
        await asyncio.shield(self._exited)
        code = self.process.returncode
        assert code is not None  # set by the transport before process_exited() is called
        return code


async def spawn(plan: LaunchPlan, sock: socket.socket, hooks: Hooks) -> AppProcess:
    event_r, event_w = os.pipe()
    life_r, life_w = os.pipe()
    fds = {
        protocol.ENV_EVENT_FD: event_w,
        protocol.ENV_LIFELINE_FD: life_r,
        protocol.ENV_SERVER_FD: sock.fileno(),
    }
    loop = asyncio.get_running_loop()
    try:
        transport, exit_protocol = await loop.subprocess_exec(
            lambda: _ExitProtocol(LINE_LIMIT, loop),
            *plan.command(),
            cwd=plan.cwd,
            env=plan.env_with(fds),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            pass_fds=tuple(fds.values()),
            start_new_session=True,  # its own group, so a stop reaches its children too
        )
    except BaseException:
        for fd in (event_r, life_w):
            os.close(fd)
        raise
    finally:
        # Only the child holds these ends now: its death gives us EOF on events,
        # and ours gives it EOF on the lifeline.
        os.close(event_w)
        os.close(life_r)
    proc = asyncio.subprocess.Process(transport, exit_protocol, loop)
    app = AppProcess(SpawnedProcess(proc, exit_protocol), life_w, hooks.note)
    assert proc.stdout is not None and proc.stderr is not None
    app.tasks = [
        asyncio.create_task(read_lines(proc.stdout, lambda line: hooks.on_line("stdout", line))),
        asyncio.create_task(read_lines(proc.stderr, lambda line: hooks.on_line("stderr", line))),
        asyncio.create_task(read_events(event_r, hooks)),
    ]
    return app
