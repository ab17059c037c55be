"""The supervisor: owns the socket, the app process and the state; never imports user code.

Commands come in as coroutines (start, stop, restart, reconfigure) and as
``file_changed`` from an editor; everything it learns goes out through one callback,
called on the event loop. One task performs restarts, so at most one is in flight and
a burst of changes becomes one restart (hupper's single deciding loop).
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Optional

from .. import flaskenv
from ..appspec import app_label
from ..config import DEFAULT_EXCLUDES, AppConfig
from ..platforms import platform_problem
from ..protocol import (
    Event,
    Imports,
    LoadError,
    Ready,
    RequestEnded,
    RequestError,
    RequestStarted,
    display_url,
)
from . import cause, debugport, listener, reappear, saved_since, summary
from .events import (
    NOTE,
    AppExited,
    AppLoadError,
    AppOutput,
    AppReady,
    AppRequestError,
    LaunchFailed,
    State,
    Status,
    StatusChanged,
    SupervisorEvent,
)
from .fallback import Fallback
from .fallback_page import Outage, tail_lines
from .headstart import HeadStart
from .launcher import Launcher
from .process import AppProcess, signal_group
from .spawn import SIGKILL
from .triggers import (
    ChangeLedger,
    Signature,
    WatchRules,
    files_named_by,
    holds_nothing_relevant,
    is_relevant,
    live_action,
)
from .watch import Missed, Watcher

COALESCE_QUIET = 0.01  # a burst ends after this long without another change ...
COALESCE_MAX = 0.2  # ... or after this long in all, whichever comes first
ALL_INTERFACES_WARNING = (
    " * Warning: listening on all interfaces: anyone on your network can reach the app"
    " and the debugger console (PIN-protected)"
)


class StartError(Exception):
    """The app cannot be started at all; str() is one line for the user."""


class Supervisor:
    def __init__(
        self,
        config: AppConfig,
        on_event: Callable[[SupervisorEvent], None],
        head: Optional[HeadStart] = None,
    ) -> None:
        if head is not None and head.config != config:  # started for other settings
            head.discard()
            head = None
        self._config = config
        self._emit = on_event
        self._status = Status(message="Stopped")
        self._sock: Optional[socket.socket] = None
        self._head_sock = head.sock if head is not None else None  # see _bind
        self._head_began = head.began if head is not None else None  # see _begin
        self._app: Optional[AppProcess] = None
        self._launcher = Launcher(lambda line: self._emit(AppOutput(NOTE, line)), head)
        self._watcher: Optional[Watcher] = None
        self._rules = _rules_for(config)
        self._ledger = ChangeLedger()
        self._lock = asyncio.Lock()  # one process transition (launch, kill) at a time
        self._wake = asyncio.Event()
        self._loop_task: Optional[asyncio.Task[None]] = None
        self._retiring: set[asyncio.Task[None]] = set()
        self._chores: set[asyncio.Task[None]] = set()  # held here so they are not collected
        self._burst_started: Optional[float] = None
        self._burst_over = False  # the changes that woke the restart loop are complete
        self._reason = ""
        self._generation = 0  # events from a process we already replaced are ignored
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._in_flight: dict[int, str] = {}  # request id -> "GET /path", current app
        self._fallback = Fallback()  # answers the port while no app process can
        self._returning: Optional[asyncio.Task[None]] = None  # see _await_return
        self._wanted: Optional[AppConfig] = None  # settings whose address was refused
        self._label: tuple[Optional[AppConfig], str] = (None, "")  # (for config, label)

    @property
    def status(self) -> Status:
        return self._status

    @property
    def config(self) -> AppConfig:
        return self._config

    # -- commands -----------------------------------------------------------------

    async def start(self) -> None:
        if self._sock is not None:
            return
        unsupported = platform_problem()
        if unsupported:
            raise StartError(unsupported)
        root = os.path.abspath(self._config.project_root)
        if not os.path.isdir(root):
            raise StartError(f"The project folder {root} does not exist.")
        self._config = debugport.fixed(self._config)
        refused = debugport.refusal(self._config)
        if refused:
            raise StartError(refused)
        try:
            self._sock = self._bind()
        except listener.BindError as exc:
            raise StartError(str(exc)) from None
        self._config = listener.with_bound_port(self._config, self._sock)
        self._warn_if_everywhere(self._sock)
        try:
            self._begin(root)
            async with self._lock:
                await self._launch(State.STARTING, "Starting")
        except Exception as exc:  # whatever it was, nothing may stay half-started
            text = self._launch_failure(exc)
            await self.stop()
            self._set(message=text)
            raise StartError(cause.sentence(text)) from None

    def _bind(self) -> socket.socket:
        """The socket the head start bound for these settings, else a new one."""
        sock, self._head_sock = self._head_sock, None
        return sock if sock is not None else listener.bind(self._config.host, self._config.port)

    def _begin(self, root: str) -> None:
        began, self._head_began = self._head_began, None  # the first start began there
        self._burst_started = began if began is not None else time.monotonic()
        # What is saved from the first app process's start on, until the watcher is armed.
        since_ns = time.time_ns() - round((time.monotonic() - self._burst_started) * 1e9)
        self._watcher = self._new_watcher(root, since_ns)
        self._wake.clear()
        self._loop_task = asyncio.create_task(self._restart_loop())

    def _new_watcher(self, root: str, since_ns: Optional[int] = None) -> Watcher:
        def skip(folder: str) -> bool:
            return holds_nothing_relevant(folder, self._rules)

        watcher = Watcher(
            root,
            self._accepts,
            self._on_watched,
            lambda text: self._emit(AppOutput(NOTE, text)),
            None if since_ns is None else Missed(since_ns, skip),
        )
        watcher.start()
        return watcher

    async def stop(self) -> None:
        self._stop_awaiting_return()
        self._wanted = None
        loop_task, self._loop_task = self._loop_task, None
        if loop_task is not None:
            loop_task.cancel()
            await asyncio.gather(loop_task, return_exceptions=True)
        if self._watcher is not None:
            await self._watcher.close()
            self._watcher = None
        async with self._lock:
            self._generation += 1
            await self._kill_app()
            await self._launcher.close()
            await self._fallback.close()
            for sock in (self._sock, self._head_sock):  # the latter: never started
                if sock is not None:
                    sock.close()
            self._sock = self._head_sock = None
        self._burst_started = None
        self._set(
            state=State.STOPPED, url=None, pid=None, errors=0, message="Stopped", debugpy=None
        )

    async def restart(self, reason: str = "manual") -> None:
        if self._sock is None:
            await self.start()
            return
        if self._wanted is not None:  # the configured address, refused before: try again
            try:
                await self.reconfigure(self._wanted)
                return
            except StartError:
                pass  # still taken: restart where it serves, and the status says so
        self._request_restart(reason)

    async def reconfigure(self, config: AppConfig) -> None:
        """Apply new settings; a running app restarts with them.

        A new host or port is bound before the old socket is let go: when it cannot be
        had, StartError is raised and the app goes on serving where it was.
        """
        old = self._config
        config = debugport.fixed(config, old)
        refused = debugport.refusal(config) if config.debugpy != old.debugpy else None
        if refused and self._sock is not None:  # the app goes on as it was
            raise StartError(refused)
        self._wanted = None
        if self._sock is None or old.project_root == config.project_root:
            self._config = config
            self._rules = _rules_for(config).with_named(self._rules.named)
        if self._sock is None:
            return
        if old.project_root != config.project_root:  # another project: start afresh
            await self.stop()
            self._config, self._rules = config, _rules_for(config)
            await self.start()
        elif (old.host, old.port) != (config.host, config.port):
            await self._rebind(old)
        else:
            self._request_restart("settings changed")

    async def _rebind(self, old: AppConfig) -> None:
        try:
            sock = listener.bind(self._config.host, self._config.port)
        except listener.BindError as exc:
            self._wanted, self._config = self._config, old
            self._rules = _rules_for(old).with_named(self._rules.named)
            self._set(message=f"Still on {self._url()}: {exc}")
            raise StartError(str(exc)) from None
        self._config = listener.with_bound_port(self._config, sock)
        async with self._lock:
            self._burst_started = time.monotonic()
            message = f"Restarting: moving to {self._config.host}:{self._config.port}"
            self._set(state=State.RESTARTING, restarts=self._status.restarts + 1, message=message)
            await self._kill_app()
            assert self._sock is not None
            self._fallback.pause()  # the old socket is about to close
            self._sock.close()
            self._sock = sock
            self._warn_if_everywhere(sock)
            try:
                await self._launch(State.RESTARTING, message)
            except Exception as exc:  # the move is done; the next change retries the launch
                self._launch_failed(exc)

    def _warn_if_everywhere(self, sock: socket.socket) -> None:
        # By the address bound, not the host's spelling: "0" and "::0" are every interface too.
        if listener.listens_everywhere(sock):
            self._emit(AppOutput(NOTE, ALL_INTERFACES_WARNING))

    def file_changed(self, path: str) -> None:
        """An editor saved this file (or a watcher saw it change)."""
        path = os.path.abspath(path)
        if self._sock is None or not self._config.reload:
            return
        if is_relevant(path, self._rules):
            if self._ledger.is_new(path, _signature(path)):
                self._request_restart(f"{os.path.basename(path)} changed")
            return
        command = live_action(path, self._rules) if self._config.live_reload else None
        # No app (a restart in flight): the next process's pages reload anyway.
        if (
            command is not None
            and self._app is not None
            and self._ledger.is_new(path, _signature(path))
        ):
            self._app.send(command)

    # -- restarts -----------------------------------------------------------------

    def _accepts(self, path: str) -> bool:
        if is_relevant(path, self._rules):
            return True
        return self._config.live_reload and live_action(path, self._rules) is not None

    def _on_watched(self, paths: list[str]) -> None:
        for path in paths:
            self.file_changed(path)
        # The watcher reports a batch only once it has been quiet for a while: the
        # burst is over, and waiting again before the restart would only add latency.
        self._burst_over = self._wake.is_set()

    def _request_restart(self, reason: str) -> None:
        if self._burst_started is None:
            self._burst_started = time.monotonic()
        self._reason = reason
        self._wake.set()

    async def _restart_loop(self) -> None:
        while True:
            await self._wake.wait()
            await self._coalesce()
            async with self._lock:
                message = f"Restarting: {self._reason}"
                restarts = self._status.restarts + 1
                self._set(state=State.RESTARTING, restarts=restarts, message=message)
                self._retire_app()
                try:
                    await self._launch(State.RESTARTING, message)
                except Exception as exc:  # the loop must live on: the next change retries
                    self._launch_failed(exc)

    def _launch_failure(self, exc: BaseException) -> str:
        root = os.path.abspath(self._config.project_root)
        problem = cause.env_problem(self._config.env)
        if problem is not None and isinstance(exc, ValueError):
            return problem
        return cause.launch_failure(exc, self._config.python, root, os.path.isdir(root))

    def _launch_failed(self, exc: BaseException) -> None:
        self._app = None
        text = self._launch_failure(exc)
        self._once_retired(lambda: self._failed(text))

    def _failed(self, text: str) -> None:
        self._emit(LaunchFailed(text))
        self._settle(State.FAILED, pid=None, url=self._url(), errors=1, message=text)
        self._answer(text)
        self._await_return()

    def _once_retired(self, then: Callable[[], None]) -> None:
        """``then`` once the app processes being retired are gone: a launch can fail before
        the old one has stopped accepting, and a request it took then would be served by
        the old code, after the failure was told, instead of the page that says why."""
        retiring, generation = list(self._retiring), self._generation
        if not retiring:
            then()
            return

        async def wait() -> None:
            await asyncio.gather(*retiring, return_exceptions=True)
            if generation == self._generation:  # else a launch or a stop came meanwhile
                then()

        self._chore(wait())

    def _await_return(self) -> None:
        """A launch failed for want of the folder or the interpreter: restart when it is
        back, without waiting for a save that may never come."""
        root = os.path.abspath(self._config.project_root)
        python = self._config.python
        if not os.path.isdir(root):
            missing, what = root, "the project folder is back"
        elif os.path.isabs(python) and not os.path.exists(python):
            missing, what = python, "the interpreter is back"
        else:
            return
        self._stop_awaiting_return()
        self._returning = asyncio.create_task(self._restart_on_return(missing, what, root))

    async def _restart_on_return(self, missing: str, what: str, root: str) -> None:
        if not await reappear.until_exists(missing):
            return
        if missing == root and self._watcher is not None:
            # Its watch went with the old folder: a new one sees the new folder.
            await self._watcher.close()
            self._watcher = self._new_watcher(root)
        self._returning = None
        if self._status.state == State.FAILED:  # else a save has brought it back already
            self._request_restart(what)

    def _stop_awaiting_return(self) -> None:
        task, self._returning = self._returning, None
        if task is not None:
            task.cancel()

    def _answer(self, text: str) -> None:
        """No app process can answer: the supervisor does, until the next launch."""
        # Its page is plain HTTP: on a TLS port (--cert) requests wait for the app instead.
        if self._sock is None or self._config.cert:
            return
        tail = tail_lines(self._stderr_tail)
        outage = Outage(cause.sentence(text), tail, f"down-{self._generation}")
        self._fallback.answer(self._sock, outage)

    async def _coalesce(self) -> None:
        if self._burst_over:
            self._burst_over = False
            self._wake.clear()
            return
        deadline = time.monotonic() + COALESCE_MAX
        while True:
            self._wake.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(self._wake.wait(), min(COALESCE_QUIET, remaining))
            except asyncio.TimeoutError:
                return

    # -- the app process ----------------------------------------------------------

    async def _launch(self, state: State, message: str) -> None:
        # Before the launch: the requests waiting in the backlog are the new process's.
        self._fallback.pause()
        root = os.path.abspath(self._config.project_root)
        if not os.path.isdir(root):  # said plainly, not by a failed chdir in a fork
            raise FileNotFoundError(errno.ENOENT, "no such folder", root)
        self._generation += 1
        generation = self._generation
        self._stderr_tail.clear()
        self._in_flight.clear()
        label = self._app_label()
        self._set(
            state=state,
            url=self._url(),
            app=label,
            pid=None,
            errors=0,
            message=message,
            debugpy=self._config.debugpy,  # where a debugger attaches, this launch on
        )
        assert self._sock is not None
        app = await self._launcher.launch(
            self._config,
            self._sock,
            self._on_line,
            lambda event: self._on_message(generation, event),
        )
        self._app = app
        self._set(pid=app.pid)
        app.tasks.append(asyncio.create_task(self._await_exit(app, generation)))

    def _retire_app(self) -> None:
        """Ask the current app process to finish in-flight requests and go.

        The next one is spawned at once: the socket is shared, so requests that arrive
        meanwhile wait in the backlog for whichever process accepts first, and the old
        one has stopped accepting.
        """
        app, self._app = self._app, None
        if app is not None:
            task = asyncio.create_task(app.stop(self._config.stop_grace))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    async def _kill_app(self) -> None:
        self._retire_app()
        await asyncio.gather(*self._retiring)

    async def _await_exit(self, app: AppProcess, generation: int) -> None:
        code = await app.proc.wait()
        if not app.stopping:
            # It died on its own (os._exit, a crash): what it started (a subprocess, a
            # worker pool) is still in its group and may hold the port; end it too.
            signal_group(app.pid, SIGKILL)
        # Let the event reader deliver what the app said before it died.
        await asyncio.wait(app.tasks[:3], timeout=1.0)
        if app.stopping or generation != self._generation:
            return
        # Not app.close(): the lifeline is closed when this app is retired, and closing
        # its fd number twice would close the next app's pipe that reused it.
        loading = self._status.state in (State.STARTING, State.RESTARTING)
        message = cause.exit_sentence(
            code, self._stderr_tail, list(self._in_flight.values()), loading
        )
        self._emit(AppExited(code, message))
        self._settle(
            State.FAILED,
            pid=None,
            url=self._url(),  # the supervisor answers there now, with the cause
            errors=max(1, self._status.errors),
            message=message,
        )
        self._answer(message)

    def _on_line(self, stream: str, line: str) -> None:
        if stream == "stderr":
            self._stderr_tail.append(line)
        self._emit(AppOutput(stream, line))

    def _on_message(self, generation: int, event: Event) -> None:
        if generation != self._generation:
            return
        if isinstance(event, Ready):
            self._on_ready(event)
        elif isinstance(event, LoadError):
            self._on_load_error(event)
        elif isinstance(event, RequestError):
            self._on_request_error(event)
        elif isinstance(event, RequestStarted):
            self._in_flight[event.id] = cause.request_text(event.method, event.path)
        elif isinstance(event, RequestEnded):
            self._in_flight.pop(event.id, None)
        elif isinstance(event, Imports):
            self._on_imports(event)

    def _on_imports(self, event: Imports) -> None:
        # A file the app read that has changed or gone since, unseen: saved before the
        # watcher was armed (the catch-up sees no deleted file) or in an event the kernel
        # dropped. Acted on as a save; the ledger drops what was acted on already.
        for path in sorted(saved_since.changed_files(event.modules)):
            self.file_changed(path)

    def _on_ready(self, event: Ready) -> None:
        self._rules = self._rules.with_named(())
        self._emit(AppReady(event.url, event.files))
        self._settle(State.RUNNING, url=event.url, errors=0, message=self._running_text(event.url))

    def _on_load_error(self, event: LoadError) -> None:
        error, entry = event.error, event.entry
        self._rules = self._rules.with_named(files_named_by(error) | ({entry} if entry else set()))
        self._emit(AppLoadError(error, event.files, entry))
        text = summary.status_line(error, str(self._config.project_root), entry)
        # The port still answers, with the error page: the URL stays.
        self._settle(State.FAILED, url=self._url(), errors=1, message=text)
        if cause.is_stuck_load(error):
            self._stop_stuck(summary.where(error, str(self._config.project_root), entry))

    def _stop_stuck(self, where: str) -> None:
        """A load past its timeout: that process serves nobody. Stop it, answer instead."""
        generation = self._generation

        async def stop() -> None:
            async with self._lock:
                if generation != self._generation:
                    return  # already replaced (a save) or stopped
                await self._kill_app()
                self._answer(cause.stuck_sentence(self._config.load_timeout, where))

        self._chore(stop())

    def _chore(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    def _on_request_error(self, event: RequestError) -> None:
        error = event.error
        self._rules = self._rules.with_named(self._rules.named | files_named_by(error))
        self._emit(AppRequestError(event.method, event.path, error))
        self._set(errors=self._status.errors + 1)

    # -- status -------------------------------------------------------------------

    def _running_text(self, url: str) -> str:
        """``Running on <url>``, and which configured address it is not, if any."""
        wanted = self._wanted
        if wanted is None:
            return f"Running on {url}"
        return f"Running on {url}, not on {wanted.host}:{wanted.port} (in use)"

    def _app_label(self) -> str:
        """The app's name for the status, read from the project once per config: a
        restart's launch does no file reading of its own."""
        config, label = self._label
        if config is not self._config:
            label = _label(self._config)
            self._label = (self._config, label)
        return label

    def _url(self) -> str:
        return display_url(self._config.host, self._config.port, https=bool(self._config.cert))

    def _settle(self, state: State, **changes: Any) -> None:
        """A (re)start has ended, well or badly: record how long it took."""
        if self._burst_started is not None:
            changes["last_restart_ms"] = round((time.monotonic() - self._burst_started) * 1000, 1)
            self._burst_started = None
        self._set(state=state, **changes)

    def _set(self, **changes: Any) -> None:
        status = dataclasses.replace(self._status, **changes)
        if status != self._status:
            self._status = status
            self._emit(StatusChanged(status))


def _rules_for(config: AppConfig) -> WatchRules:
    root = os.path.abspath(config.project_root)
    # The dotenv files flask run loads: the app process reads them again at each start.
    env_files = (*flaskenv.DEFAULT_FILES, *((config.env_file,) if config.env_file else ()))
    always = {os.path.join(root, name) for name in env_files}
    return WatchRules(
        root=root,
        excludes=DEFAULT_EXCLUDES + tuple(config.excludes),
        extra_globs=tuple(config.extra_watch),
        always=frozenset(always),
    )


def _label(config: AppConfig) -> str:
    env = {**os.environ, **config.env}  # what the app process will see
    return app_label(str(config.project_root), config.app, env, config.env_file)


def _signature(path: str) -> Signature:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)
