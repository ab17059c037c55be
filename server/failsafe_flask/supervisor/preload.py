"""The supervisor's side of the preloader (POSIX): start one, have it fork app processes,
know when it is stale, and give it up for a plain spawn when anything about it fails.

The preloader (``failsafe_flask.child.preloader``) gets a Unix socket for requests, whose
EOF is also its lifeline, and a pipe for replies. A fork request carries the app's fds by
SCM_RIGHTS. The fork is the preloader's child, not ours: the preloader reaps it and
replies with its exit status (portable to Linux and macOS, unlike pidfd or kqueue).

A layer (incremental restarts) is a fork of a plain preloader that has also imported
project modules, seen here as a preloader of its own: its own socket and pipe (sent
with the layer request), its process the fork its preloader reports on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections import deque
from collections.abc import Callable, Sequence
from typing import Optional, Protocol, Union

from ..protocol import (
    ENV_REPLY_FD,
    ENV_REQUEST_FD,
    FORK_FDS,
    Exited,
    Forked,
    ForkFailed,
    ForkRequest,
    LayerReady,
    LayerRequest,
    Malformed,
    PreloadReady,
    decode_reply,
    encode,
)
from .launch import Key, LaunchPlan, preloader_command
from .lines import read_fd_lines, read_lines
from .process import Note

PRELOAD_TIMEOUT = 60.0  # importing a big project's packages on a slow machine
REPLY_TIMEOUT = 10.0  # a fork request answered, a request sent
CLOSE_GRACE = 2.0  # between closing its socket (it exits on EOF) and SIGKILL

# A fork's pid, and the future of its exit status (None: its preloader died first).
ForkStarted = tuple[int, "asyncio.Future[Optional[int]]"]


class _Process(Protocol):
    """What a preloader's process is to us: a spawned one, or a layer (``_LayerProcess``)."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> Optional[int]: ...

    async def wait(self) -> Optional[int]: ...

    def kill(self) -> None: ...


class _LayerProcess:
    """A layer's process: a fork of a plain preloader, which reaps it and replies with its
    exit status. ``None``: that preloader died first (and the layer with it, by
    PR_SET_PDEATHSIG where there is one; else on its own socket's EOF)."""

    def __init__(self, pid: int, exit_future: asyncio.Future[Optional[int]]) -> None:
        self._pid = pid
        self._exit = exit_future

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def returncode(self) -> Optional[int]:
        done = self._exit.done() and not self._exit.cancelled()
        return self._exit.result() if done else None

    async def wait(self) -> Optional[int]:
        return await asyncio.shield(self._exit)

    def kill(self) -> None:
        # Only while its preloader has not reaped it: after that the pid may be another's.
        if not self._exit.done():
            os.kill(self._pid, signal.SIGKILL)


class PreloadError(Exception):
    """The preloader cannot fork an app; str() is one line for the user."""


def can_preload() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")


def _mtime(path: str) -> Optional[int]:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


class Preloader:
    """One preloader process: its channels, its forks' exits, and what it was built from."""

    def __init__(self, key: Key, proc: _Process, request: socket.socket, note: Note) -> None:
        self.key = key
        self.parent: Optional[Preloader] = None  # a layer's: the plain preloader it forked from
        self.packages: frozenset[str] = frozenset()  # requested or imported: never rebuilt for
        self.left_out: tuple[str, ...] = ()  # requested, not imported: they start threads
        self.on_death: Callable[[Preloader, str], None] = lambda preloader, why: None
        self._proc = proc
        self._request = request
        self._note = note
        loop = asyncio.get_running_loop()
        self._ready: asyncio.Future[PreloadReady] = loop.create_future()
        self._forked: Optional[asyncio.Future[ForkStarted]] = None
        self._layered: Optional[asyncio.Future[LayerReady]] = None
        self._exits: dict[int, asyncio.Future[Optional[int]]] = {}
        self._lock = asyncio.Lock()
        self._watch: list[tuple[str, Optional[int]]] = []
        self._stderr: deque[str] = deque(maxlen=5)
        self._tasks: list[asyncio.Task[None]] = []
        self.alive = True
        self.retired = False  # forks no more; closed once its forks have ended
        self.closed = False

    @property
    def pid(self) -> int:
        return self._proc.pid

    @classmethod
    async def start(cls, plan: LaunchPlan, packages: Sequence[str], note: Note) -> Preloader:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        reply_r, reply_w = os.pipe()
        fds = {ENV_REQUEST_FD: str(theirs.fileno()), ENV_REPLY_FD: str(reply_w)}
        try:
            proc = await asyncio.create_subprocess_exec(
                *preloader_command(plan.config, packages, plan.debugpy_parent),
                cwd=plan.cwd,
                env={**plan.env, **fds},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                pass_fds=(theirs.fileno(), reply_w),
                start_new_session=True,  # Ctrl+C in a terminal is the supervisor's to handle
            )
        except BaseException:
            ours.close()
            os.close(reply_r)
            raise
        finally:
            theirs.close()
            os.close(reply_w)
        ours.settimeout(REPLY_TIMEOUT)  # a send never blocks the event loop for long
        preloader = cls(plan.key, proc, ours, note)
        preloader.packages = frozenset(packages)
        preloader._read(reply_r, proc.stderr)
        # No longer than a load may take: the app's first start waits for this.
        await preloader._until_ready(min(PRELOAD_TIMEOUT, plan.config.load_timeout))
        return preloader

    def _read(self, reply_fd: int, stderr: Optional[asyncio.StreamReader]) -> None:
        self._tasks = [asyncio.create_task(self._read_replies(reply_fd))]
        if stderr is not None:  # a layer's is its preloader's pipe, read there
            self._tasks.append(asyncio.create_task(read_lines(stderr, self._stderr.append)))

    async def _read_replies(self, reply_fd: int) -> None:
        try:
            await read_fd_lines(reply_fd, self._on_reply)
            # EOF: it has exited or is about to; its exit code makes a better message.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._proc.wait()), 1.0)
        finally:
            self._on_lost()

    async def _until_ready(self, timeout: float) -> None:
        try:
            ready = await asyncio.wait_for(asyncio.shield(self._ready), timeout)
        except asyncio.TimeoutError:
            await self.aclose()
            raise PreloadError(f"it did not finish importing in {timeout:g} s") from None
        except BaseException:
            await self.aclose()
            raise
        self.packages |= frozenset(ready.packages)
        self._watch = ready.watch
        self.left_out = tuple(ready.left_out)

    # -- replies ------------------------------------------------------------------

    def _on_reply(self, line: str) -> None:
        reply = decode_reply(line)
        if isinstance(reply, Malformed):
            self._note(f" * Ignored a malformed message from the preloader: {reply.describe()}")
        elif isinstance(reply, PreloadReady):
            if not self._ready.done():
                self._ready.set_result(reply)
        elif isinstance(reply, Forked):
            self._on_forked(reply.pid)
        elif isinstance(reply, ForkFailed):
            if self._forked is not None and not self._forked.done():
                self._forked.set_exception(PreloadError(f"fork failed: {reply.error}"))
        elif isinstance(reply, LayerReady):
            if self._layered is not None and not self._layered.done():
                self._layered.set_result(reply)
        elif isinstance(reply, Exited):
            exit_future = self._exits.pop(reply.pid, None)
            if exit_future is not None and not exit_future.done():
                exit_future.set_result(reply.code)
            self._close_if_idle()

    def _on_forked(self, pid: int) -> None:
        exit_future: asyncio.Future[Optional[int]] = asyncio.get_running_loop().create_future()
        self._exits[pid] = exit_future
        if self._forked is not None and not self._forked.done():
            self._forked.set_result((pid, exit_future))

    def _on_lost(self) -> None:
        """EOF on the replies: the preloader has exited, whether we asked or not."""
        self.alive = False
        lost = PreloadError(self._death_text())
        for waiting in (self._ready, self._forked, self._layered):
            if waiting is not None and not waiting.done():
                waiting.set_exception(lost)
                waiting.exception()  # retrieved: the waiter may have timed out already
        for exit_future in self._exits.values():
            if not exit_future.done():
                exit_future.set_result(None)  # the fork lives on, an orphan
        self._exits.clear()
        if not self.closed:
            self.on_death(self, str(lost))
        self.close()

    def _death_text(self) -> str:
        code = self._proc.returncode
        text = "it exited" if code is None else f"it exited with code {code}"
        last = next((line for line in reversed(self._stderr) if line.strip()), "")
        return f"{text}: {last.strip()}" if last else text

    # -- layers -------------------------------------------------------------------

    async def fork_layer(self, request: LayerRequest) -> Preloader:
        """Fork a layer that imports ``request``'s project modules (``until_layered`` waits
        for them): a fork of this plain preloader, so the packages' pages stay shared and
        are not imported again. Raises ``PreloadError``."""
        if self.parent is not None:
            raise PreloadError("a layer forks no layer")  # the modules it kept may be stale
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        reply_r, reply_w = os.pipe()
        try:
            pid, exit_future = await self._request_fork(request, (theirs.fileno(), reply_w))
        except BaseException:
            ours.close()
            os.close(reply_r)
            raise
        finally:
            theirs.close()  # only the layer holds these now: its EOF is its lifeline
            os.close(reply_w)
        ours.settimeout(REPLY_TIMEOUT)
        layer = Preloader(self.key, _LayerProcess(pid, exit_future), ours, self._note)
        layer.parent, layer.packages, layer.left_out = self, self.packages, self.left_out
        layer._stderr = self._stderr  # the same pipe: its last lines explain its death too
        layer._layered = asyncio.get_running_loop().create_future()
        layer._read(reply_r, None)
        return layer

    async def until_layered(self, timeout: float) -> LayerReady:
        """A layer's imports are done: what it kept, whose files' mtimes from then on make it
        stale (as its preloader's files do). Raises ``PreloadError``."""
        assert self._layered is not None, "not a layer"
        try:
            ready = await asyncio.wait_for(asyncio.shield(self._layered), timeout)
        except asyncio.TimeoutError:
            raise PreloadError(f"it did not import the project in {timeout:g} s") from None
        if ready.error:
            raise PreloadError(ready.error)
        self._watch = [*self._watch, *ready.watch]
        return ready

    # -- forks --------------------------------------------------------------------

    async def fork(self, request: ForkRequest, fds: Sequence[int]) -> ForkStarted:
        """Fork an app process with ``fds`` (``FORK_FDS`` order); its pid and exit future."""
        assert len(fds) == len(FORK_FDS)
        return await self._request_fork(request, fds)

    async def _request_fork(
        self, request: Union[ForkRequest, LayerRequest], fds: Sequence[int]
    ) -> ForkStarted:
        """Send ``request`` with ``fds`` (``FORK_FDS`` or ``LAYER_FDS``); the fork's pid and
        exit future, once it answers ``Forked``."""
        async with self._lock:
            if not self.usable:
                raise PreloadError("it is gone")
            self._forked = asyncio.get_running_loop().create_future()
            data = encode(request)
            try:
                sent = socket.send_fds(self._request, [data], list(fds))
                self._request.sendall(data[sent:])
            except OSError as exc:
                raise PreloadError(f"cannot send it a request: {exc}") from None
            try:
                pid, exit_future = await asyncio.wait_for(
                    asyncio.shield(self._forked), REPLY_TIMEOUT
                )
            except asyncio.TimeoutError:
                self.close()
                raise PreloadError(
                    f"no answer to a fork request in {REPLY_TIMEOUT:.0f} s"
                ) from None
            return int(pid), exit_future

    @property
    def usable(self) -> bool:
        return self.alive and not self.retired and not self.closed

    def stale_reason(self, key: Key) -> Optional[str]:
        if not self.usable:
            return "it is gone"
        parent = self.parent  # a layer is stale with its preloader (retired, packages changed)
        reason = parent.stale_reason(key) if parent is not None else None
        if reason is not None:
            return f"its preloader: {reason}"
        if key != self.key:
            return "the settings or the interpreter changed"
        for path, mtime in self._watch:
            if _mtime(path) != mtime:
                return f"{path} changed"
        return None

    # -- the end ------------------------------------------------------------------

    def retire(self) -> None:
        self.retired = True
        self._close_if_idle()

    def _close_if_idle(self) -> None:
        if self.retired and not self._exits:
            self.close()

    def close(self) -> None:
        """Close its request socket: it exits on EOF (SIGKILL if it does not)."""
        if self.closed:
            return
        self.closed = True
        self._request.close()
        self._tasks.append(asyncio.create_task(self._reap()))

    async def aclose(self) -> None:
        self.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _reap(self) -> None:
        # Still importing, it reads no EOF until its imports end, which may be never (a
        # stop during a restart that waits for a layer stuck in an import took 2 s), and
        # it has no fork to finish: no grace.
        importing = self._layered if self._layered is not None else self._ready
        try:
            await asyncio.wait_for(self._proc.wait(), CLOSE_GRACE if importing.done() else 0.0)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            await self._proc.wait()
