"""One app process: spawn it on the shared socket, read what it says, end its group."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import failsafe_flask

from .. import protocol
from ..config import AppConfig
from .launch import child_command, child_env

LINE_LIMIT = 4 * 1024 * 1024  # an event carries a whole traceback; the child caps it at 1 MB

OnLine = Callable[[str, str], None]  # (stream, line)
OnMessage = Callable[[dict[str, Any]], None]


@dataclass
class AppProcess:
    proc: asyncio.subprocess.Process
    lifeline: int  # our write end; closing it (or our death) ends the app's group
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stopping: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def stop(self, grace: float) -> None:
        """TERM the whole group, KILL it after the grace period, then reap."""
        self.stopping = True
        _signal_group(self.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), grace)
        except asyncio.TimeoutError:
            _signal_group(self.pid, _SIGKILL)
            await self.proc.wait()
        # Grandchildren the app started may outlive its leader; they share its group.
        _signal_group(self.pid, _SIGKILL)
        self.close()
        # Let the readers drain what the process wrote before it died.
        await asyncio.wait(self.tasks, timeout=1.0)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.lifeline)


_SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(pid, sig)  # the app is its group's leader: pgid == pid
        else:  # Windows: no groups to signal; terminate the process itself
            os.kill(pid, sig)


async def spawn(
    config: AppConfig, sock: socket.socket, on_line: OnLine, on_message: OnMessage
) -> AppProcess:
    event_r, event_w = os.pipe()
    life_r, life_w = os.pipe()
    fds = {
        protocol.ENV_EVENT_FD: event_w,
        protocol.ENV_LIFELINE_FD: life_r,
        protocol.ENV_SERVER_FD: sock.fileno(),
    }
    env = child_env(config, os.environ, _package_parent(config.python), fds)
    try:
        proc = await asyncio.create_subprocess_exec(
            *child_command(config),
            cwd=str(config.project_root),
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
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
    app = AppProcess(proc, life_w)
    assert proc.stdout is not None and proc.stderr is not None
    app.tasks = [
        asyncio.create_task(_read_lines(proc.stdout, lambda line: on_line("stdout", line))),
        asyncio.create_task(_read_lines(proc.stderr, lambda line: on_line("stderr", line))),
        asyncio.create_task(_read_events(event_r, on_message)),
    ]
    return app


async def _read_lines(stream: asyncio.StreamReader, emit: Callable[[str], None]) -> None:
    while True:
        try:
            raw = await stream.readline()
        except ValueError:  # a line longer than the limit: pass on what fits
            raw = await stream.read(LINE_LIMIT)
        if not raw:
            return
        emit(raw.decode("utf-8", "replace").rstrip("\r\n"))


async def _read_events(fd: int, on_message: OnMessage) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    pipe = os.fdopen(fd, "rb", buffering=0)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        while line := await reader.readline():
            message = _parse(line)
            if message is not None:
                on_message(message)
    finally:
        transport.close()


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) and "event" in message else None


def _package_parent(python: str) -> str:
    """A folder holding failsafe_flask and nothing else of ours for the app's path.

    From a source tree or the extension's bundle that is the package's parent. From an
    installed wheel the parent is our site-packages: exposing it to another
    interpreter would lend it our Flask, so a private folder links to the package.
    """
    package = Path(failsafe_flask.__file__).resolve().parent
    parent = package.parent
    if parent.name not in ("site-packages", "dist-packages") or _same_python(python):
        return str(parent)
    private = Path(tempfile.mkdtemp(prefix="failsafe-flask-"))
    (private / "failsafe_flask").symlink_to(package, target_is_directory=True)
    return str(private)


def _same_python(python: str) -> bool:
    with contextlib.suppress(OSError):
        return os.path.samefile(python, sys.executable)
    return False
