"""One app process: start it on the shared socket, read what it says, end its group.

It is forked by the preloader (``preload.py``) when it can be, spawned with a new
interpreter otherwise; ``AppProcess`` looks the same either way, so the supervisor does
not care which.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Protocol

import failsafe_flask

from .. import protocol
from ..config import AppConfig
from .launch import child_args, child_command, child_env

if TYPE_CHECKING:
    from .preload import Preloader

LINE_LIMIT = 4 * 1024 * 1024  # an event carries a whole traceback; the child caps it at 1 MB
# A fork orphaned by its preloader's death cannot be waited for: its end is known (EOF on
# its event pipe), its exit status is not.
UNKNOWN_EXIT = 1

OnLine = Callable[[str, str], None]  # (stream, line)
OnMessage = Callable[[dict[str, Any]], None]


class ProcessLike(Protocol):
    """What the supervisor uses of ``asyncio.subprocess.Process``."""

    @property
    def pid(self) -> int: ...
    @property
    def returncode(self) -> Optional[int]: ...
    async def wait(self) -> int: ...


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


@dataclass
class AppProcess:
    proc: ProcessLike
    lifeline: int  # our write end; closing it (or our death) ends the app's group
    tasks: list[asyncio.Task[None]] = field(default_factory=list)  # stdout, stderr, events
    stopping: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid  # the leader of its own process group

    @property
    def forked(self) -> bool:
        return isinstance(self.proc, ForkedProcess)

    async def stop(self, grace: float) -> None:
        """TERM the whole group, KILL it after the grace period, then reap."""
        self.stopping = True
        signal_group(self.pid, signal.SIGTERM, alive=self.proc.returncode is None)
        try:
            await asyncio.wait_for(self.proc.wait(), grace)
        except asyncio.TimeoutError:
            signal_group(self.pid, SIGKILL, alive=self.proc.returncode is None)
            await self.proc.wait()
        # Grandchildren the app started may outlive its leader; they share its group.
        signal_group(self.pid, SIGKILL)
        self.close()
        # Let the readers drain what the process wrote before it died.
        await asyncio.wait(self.tasks, timeout=1.0)

    def close(self) -> None:
        # Once only: a second close could hit a number the next app's lifeline reuses.
        lifeline, self.lifeline = self.lifeline, -1
        if lifeline >= 0:
            with contextlib.suppress(OSError):
                os.close(lifeline)


SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL


def signal_group(pid: int, sig: int, alive: bool = False) -> None:
    """Signal the app's group (its leader: pgid == pid).

    When there is no such group, and the process is known to be alive (not yet reaped,
    so its pid cannot belong to anyone else), signal the process alone: a fork from the
    preloader that has not called setsid() yet, or Windows, which has no groups.
    """
    if hasattr(os, "killpg"):
        try:
            os.killpg(pid, sig)
            return
        except ProcessLookupError:
            pass
        except PermissionError:
            return
    if alive:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.kill(pid, sig)


class Launcher:
    """Starts app processes: forked by a preloader when possible, else spawned.

    ``note`` gets one line for the user when the preloader fails and spawning takes over.
    """

    def __init__(self, note: Callable[[str], None]) -> None:
        from .preload import PreloadPool, can_preload

        self._pool = PreloadPool(note) if can_preload() else None

    async def launch(
        self, config: AppConfig, sock: socket.socket, on_line: OnLine, on_message: OnMessage
    ) -> AppProcess:
        from .preload import PreloadError

        pool = self._pool
        if pool is None or not config.preload:
            if pool is not None:
                await pool.close()
            return await spawn(config, sock, on_line, on_message)
        env = child_env(config, os.environ, _package_parent(config.python), {})

        def learning(forked: bool) -> OnMessage:
            def on_learned(message: dict[str, Any]) -> None:
                on_message(message)
                pool.learn(config, env, message, forked)

            return on_learned

        preloader = await pool.get(config, env)
        if preloader is not None:
            try:
                return await fork(preloader, config, env, sock, on_line, learning(True))
            except PreloadError as exc:
                pool.fail(preloader.key, str(exc))
        return await spawn(config, sock, on_line, learning(False))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


async def fork(
    preloader: Preloader,
    config: AppConfig,
    env: dict[str, str],
    sock: socket.socket,
    on_line: OnLine,
    on_message: OnMessage,
) -> AppProcess:
    """Have the preloader fork the app with the same socket, pipes and lifeline as spawn."""
    (event_r, event_w), (life_r, life_w) = os.pipe(), os.pipe()
    (out_r, out_w), (err_r, err_w) = os.pipe(), os.pipe()
    ours, theirs = (event_r, life_w, out_r, err_r), (event_w, life_r, out_w, err_w)
    try:
        pid, exit_future = await preloader.fork(
            child_args(config), env, str(config.project_root), (sock.fileno(), *theirs)
        )
    except BaseException:
        for fd in ours:
            os.close(fd)
        raise
    finally:
        for fd in theirs:  # only the fork holds these now, as after a spawn
            os.close(fd)
    events = asyncio.create_task(_read_events(event_r, on_message))
    app = AppProcess(ForkedProcess(pid, exit_future, events), life_w)
    app.tasks = [
        asyncio.create_task(read_fd_lines(out_r, lambda line: on_line("stdout", line))),
        asyncio.create_task(read_fd_lines(err_r, lambda line: on_line("stderr", line))),
        events,
    ]
    return app


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
    loop = asyncio.get_running_loop()
    try:
        transport, exit_protocol = await loop.subprocess_exec(
            lambda: _ExitProtocol(LINE_LIMIT, loop),
            *child_command(config),
            cwd=str(config.project_root),
            env=env,
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
    app = AppProcess(SpawnedProcess(proc, exit_protocol), life_w)
    assert proc.stdout is not None and proc.stderr is not None
    app.tasks = [
        asyncio.create_task(read_lines(proc.stdout, lambda line: on_line("stdout", line))),
        asyncio.create_task(read_lines(proc.stderr, lambda line: on_line("stderr", line))),
        asyncio.create_task(_read_events(event_r, on_message)),
    ]
    return app


async def read_lines(stream: asyncio.StreamReader, emit: Callable[[str], None]) -> None:
    while True:
        try:
            raw = await stream.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            raw = exc.partial  # the last line, without its newline (or nothing: EOF)
        except asyncio.LimitOverrunError as exc:
            # Longer than the limit: its beginning is shown, and how much was cut.
            head = await stream.readexactly(exc.consumed)
            cut = await _skip_line(stream)
            emit(_decode(head) + (f"… [line cut: {cut} more bytes not shown]" if cut else ""))
            continue
        if not raw:
            return
        emit(_decode(raw))


async def _skip_line(stream: asyncio.StreamReader) -> int:
    """Read up to the end of the line, keeping nothing; the number of bytes dropped."""
    dropped = 0
    while True:
        try:
            return dropped + len((await stream.readuntil(b"\n")).rstrip(b"\r\n"))
        except asyncio.IncompleteReadError as exc:
            return dropped + len(exc.partial)
        except asyncio.LimitOverrunError as exc:
            dropped += len(await stream.readexactly(exc.consumed))


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").rstrip("\r\n")


async def read_fd_lines(fd: int, emit: Callable[[str], None]) -> None:
    """``read_lines`` from a pipe's read end, which it owns and closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    pipe = os.fdopen(fd, "rb", buffering=0)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        await read_lines(reader, emit)
    finally:
        transport.close()


async def _read_events(fd: int, on_message: OnMessage) -> None:
    def on_line(line: str) -> None:
        message = _parse(line)
        if message is not None:
            on_message(message)

    await read_fd_lines(fd, on_line)


def _parse(line: str) -> dict[str, Any] | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) and "event" in message else None


@functools.cache  # one private folder per interpreter, not per restart
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
