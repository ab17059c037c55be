"""The supervisor's side of the preloader (POSIX): start one, have it fork app processes,
know when it is stale, and give it up for a plain spawn when anything about it fails.

The preloader (``failsafe_flask.child.preloader``) gets a Unix socket for requests, whose
EOF is also its lifeline, and a pipe for replies. A fork request carries the app's fds by
SCM_RIGHTS. The fork is the preloader's child, not ours: the preloader reaps it and
replies with its exit status (portable to Linux and macOS, unlike pidfd or kqueue).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional

from ..child.preloader import ENV_REPLY_FD, ENV_REQUEST_FD, FORK_FDS
from ..config import AppConfig
from .launch import preloader_command

PRELOAD_TIMEOUT = 60.0  # importing a big project's packages on a slow machine
REPLY_TIMEOUT = 10.0  # a fork request answered, a request sent
CLOSE_GRACE = 2.0  # between closing its socket (it exits on EOF) and SIGKILL
STALE_ERRORS = ("ImportError", "ModuleNotFoundError")

Key = tuple[object, ...]
Note = Callable[[str], None]


class PreloadError(Exception):
    """The preloader cannot fork an app; str() is one line for the user."""


def can_preload() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")


def preload_key(config: AppConfig, env: Mapping[str, str]) -> Key:
    """What a preloader was built for: when it differs, the preloader is rebuilt."""
    try:
        interpreter: object = os.stat(config.python).st_mtime_ns  # an upgrade in place
    except OSError:
        interpreter = None
    return (
        os.path.realpath(config.python),
        interpreter,
        os.path.abspath(config.project_root),
        tuple(sorted(env.items())),  # config.env, debug (FLASK_DEBUG), PYTHONPATH, ...
        config.env_file,
    )


def _mtime(path: str) -> Optional[int]:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


class Preloader:
    """One preloader process: its channels, its forks' exits, and what it was built from."""

    def __init__(self, key: Key, proc: asyncio.subprocess.Process, request: socket.socket) -> None:
        self.key = key
        self.packages: frozenset[str] = frozenset()  # requested or imported: never rebuilt for
        self.left_out: tuple[str, ...] = ()  # requested, not imported: they start threads
        self.on_death: Callable[[Preloader, str], None] = lambda preloader, why: None
        self._proc = proc
        self._request = request
        loop = asyncio.get_running_loop()
        self._ready: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._forked: Optional[asyncio.Future[tuple[int, Any]]] = None
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
    async def start(
        cls, config: AppConfig, env: Mapping[str, str], key: Key, packages: Sequence[str]
    ) -> Preloader:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        reply_r, reply_w = os.pipe()
        fds = {ENV_REQUEST_FD: str(theirs.fileno()), ENV_REPLY_FD: str(reply_w)}
        try:
            proc = await asyncio.create_subprocess_exec(
                *preloader_command(config, packages),
                cwd=str(config.project_root),
                env={**env, **fds},
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
        preloader = cls(key, proc, ours)
        preloader.packages = frozenset(packages)
        preloader._read(reply_r)
        # No longer than a load may take: the app's first start waits for this.
        await preloader._until_ready(min(PRELOAD_TIMEOUT, config.load_timeout))
        return preloader

    def _read(self, reply_fd: int) -> None:
        from .process import read_lines

        assert self._proc.stderr is not None
        self._tasks = [
            asyncio.create_task(self._read_replies(reply_fd)),
            asyncio.create_task(read_lines(self._proc.stderr, self._stderr.append)),
        ]

    async def _read_replies(self, reply_fd: int) -> None:
        from .process import read_fd_lines

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
        self.packages |= frozenset(str(name) for name in ready.get("packages", []))
        self._watch = [(str(path), mtime) for path, mtime in ready.get("watch", [])]
        self.left_out = tuple(str(name) for name in ready.get("left_out", []))

    # -- replies ------------------------------------------------------------------

    def _on_reply(self, line: str) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        if "ready" in message and not self._ready.done():
            self._ready.set_result(dict(message["ready"]))
        elif "forked" in message:
            self._on_forked(int(message["forked"]))
        elif "fork_error" in message and self._forked is not None and not self._forked.done():
            self._forked.set_exception(PreloadError(f"fork failed: {message['fork_error']}"))
        elif "exited" in message:
            exit_future = self._exits.pop(int(message["exited"]), None)
            if exit_future is not None and not exit_future.done():
                exit_future.set_result(int(message["code"]))
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
        for waiting in (self._ready, self._forked):
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

    # -- forks --------------------------------------------------------------------

    async def fork(
        self, argv: list[str], env: Mapping[str, str], cwd: str, fds: Sequence[int]
    ) -> tuple[int, asyncio.Future[Optional[int]]]:
        """Fork an app process with ``fds`` (``FORK_FDS`` order); its pid and exit future."""
        assert len(fds) == len(FORK_FDS)
        async with self._lock:
            if not self.usable:
                raise PreloadError("it is gone")
            self._forked = asyncio.get_running_loop().create_future()
            data = (json.dumps({"argv": argv, "env": dict(env), "cwd": cwd}) + "\n").encode()
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
        try:
            await asyncio.wait_for(self._proc.wait(), CLOSE_GRACE)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            await self._proc.wait()


class PreloadPool:
    """Which preloader forks the next app: built when missing, rebuilt when stale or when
    the app imports new packages, given up (until the settings change) when it fails."""

    def __init__(self, note: Note) -> None:
        self._note = note
        self._current: Optional[Preloader] = None
        self._building: Optional[asyncio.Task[Preloader]] = None
        self._building_key: Optional[Key] = None
        self._others: set[Preloader] = set()  # retired, until their forks have ended
        self._packages: tuple[str, ...] = ()  # from the last ready event
        self._said_left_out: set[str] = set()  # each package left out is told once
        self._failed_key: Optional[Key] = None

    async def get(self, config: AppConfig, env: Mapping[str, str]) -> Optional[Preloader]:
        """A preloader ready to fork for ``config``, or None: spawn instead."""
        key = preload_key(config, env)
        if key == self._failed_key:
            return None
        if self._building is not None and self._building_key != key:
            self._cancel_build()
        current = self._current
        if current is not None and current.stale_reason(key) is None:
            return current
        self._retire_current()
        task = self._building or self._build(config, env, key)
        try:
            await asyncio.shield(task)
        except (PreloadError, OSError) as exc:
            self.fail(key, _reason(exc))
            return None
        except asyncio.CancelledError:
            if task.cancelled():  # replaced by a build for newer settings: spawn this once
                return None
            raise
        self._adopt(task)
        return self._current

    def learn(
        self, config: AppConfig, env: Mapping[str, str], message: Mapping[str, Any], forked: bool
    ) -> None:
        """What an app process reported: new packages to preload, or a stale preloader."""
        key = preload_key(config, env)
        kind = message.get("event")
        if kind == "ready":
            self._packages = tuple(str(name) for name in message.get("packages", []))
            have = self._current.packages if self._current is not None else frozenset()
            if set(self._packages) - have and self._building is None and key != self._failed_key:
                self._build(config, env, key)  # ahead of the next restart
        elif kind == "load_error" and forked and _error_type(message) in STALE_ERRORS:
            # Installed since the preloader imported its packages? A fresh one will know.
            self._retire_current()
            if self._building is None and key != self._failed_key:
                self._build(config, env, key)

    def fail(self, key: Key, reason: str) -> None:
        """Spawn from now on, until the settings change; said once."""
        if key == self._failed_key:
            return
        self._failed_key = key
        self._retire_current()
        self._note(
            f" * The preloader failed ({reason}); app processes start in a new interpreter"
            " until the settings change."
        )

    async def close(self) -> None:
        self._cancel_build()
        self._retire_current()
        others, self._others = self._others, set()
        await asyncio.gather(*(p.aclose() for p in others), return_exceptions=True)

    def _build(
        self, config: AppConfig, env: Mapping[str, str], key: Key
    ) -> asyncio.Task[Preloader]:
        task = asyncio.create_task(Preloader.start(config, env, key, self._packages))
        self._building, self._building_key = task, key
        task.add_done_callback(self._built)
        return task

    def _built(self, task: asyncio.Task[Preloader]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            if task is self._building:
                self._building = None
                self.fail(self._building_key or (), _reason(error))
            return
        preloader = task.result()
        if task is not self._building:
            self._others.add(preloader)
            preloader.retire()
            return
        self._adopt(task)

    def _adopt(self, task: asyncio.Task[Preloader]) -> None:
        if task is not self._building:
            return
        self._building = None
        self._retire_current()
        self._current = task.result()
        self._current.on_death = self._on_death
        self._tell_left_out(self._current.left_out)

    def _tell_left_out(self, names: Sequence[str]) -> None:
        for name in names:
            if name not in self._said_left_out:
                self._said_left_out.add(name)
                self._note(
                    f" * Preloading leaves {name} out: importing it starts a thread, which a"
                    " fork does not copy (a lock it holds would stay held). Each app process"
                    " imports it itself."
                )

    def _on_death(self, preloader: Preloader, reason: str) -> None:
        if preloader is self._current:
            self.fail(preloader.key, reason)

    def _retire_current(self) -> None:
        current, self._current = self._current, None
        if current is not None:
            current.on_death = lambda preloader, why: None
            current.retire()
            self._others = {p for p in self._others if not p.closed} | {current}

    def _cancel_build(self) -> None:
        task, self._building = self._building, None
        if task is not None:
            task.cancel()


def _error_type(message: Mapping[str, Any]) -> str:
    error = message.get("error")
    return str(error.get("type", "")) if isinstance(error, dict) else ""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot run it: {exc.strerror or exc}"
    return str(exc) or type(exc).__name__
