"""``failsafe-flask run``: the supervisor without an editor, a drop-in for ``flask run``.

It prints the app's own output as it comes, each error once with its traceback and
``file:line``, and one line when the app is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Callable, Optional, Protocol

from . import stopsignals
from .config import AppConfig
from .locate import headline
from .outlet import Drops, Outlet, TextOutlet
from .supervisor.cause import sentence
from .supervisor.core import StartError, Supervisor
from .supervisor.events import (
    NOTE,
    AppExited,
    AppLoadError,
    AppOutput,
    AppReady,
    AppRequestError,
    LaunchFailed,
    State,
    StatusChanged,
    SupervisorEvent,
)
from .supervisor.headstart import HeadStart
from .supervisor.summary import format_error, where
from .text import output_line, printable

MARK = " * "  # begins each line of the tool's own (and Werkzeug's, as flask run prints them)


class TextSink(Protocol):
    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


def _never() -> bool:
    return False


class TerminalReporter:
    def __init__(
        self, config: AppConfig, out: TextSink, behind: Callable[[], bool] = _never
    ) -> None:
        """``behind()``: the reader of ``out`` is too far behind for the app's lines."""
        self._root = str(config.project_root)
        self._out = out
        self._behind = behind
        self._drops = Drops()
        self._failed = False
        self._last_state: Optional[State] = None
        self._debugpy: Optional[tuple[str, int]] = None  # the address last told

    def __call__(self, event: SupervisorEvent) -> None:
        if isinstance(event, AppOutput):
            self._say_output(event)
        elif isinstance(event, AppLoadError):
            self._failed = True
            for line in format_error(event.error):
                self._say(line)
            at = where(event.error, self._root, event.entry)
            self._say(
                f" * The app failed to load{' at ' + at if at else ''}; an error page is"
                " served until a saved fix brings it back."
            )
        elif isinstance(event, AppRequestError):
            at = where(event.error, self._root)
            self._say(
                f" * {event.method} {event.path} raised {headline(event.error)}"
                f"{' at ' + at if at else ''}"
            )
        elif isinstance(event, (AppExited, LaunchFailed)):
            self._failed = True
            self._say(f" * {sentence(event.message)} Waiting for a change to try again.")
        elif isinstance(event, AppReady):
            self._on_ready(event)
        elif isinstance(event, StatusChanged):
            self._on_status(event)

    def _on_ready(self, event: AppReady) -> None:
        word = "Recovered" if self._failed else "Running"
        self._failed = False
        self._say(f" * {word}: serving on {event.url}")

    def _on_status(self, event: StatusChanged) -> None:
        status = event.status
        if status.debugpy is not None and status.debugpy != self._debugpy:
            host, port = self._debugpy = status.debugpy
            self._say(
                f" * Debugger: every app process listens on {host}:{port} (debugpy); "
                "attach again after each restart"
            )
        if status.state == self._last_state:
            return
        self._last_state = status.state
        if status.state in (State.STARTING, State.RESTARTING):
            self._say(f" * {status.message}")
        elif status.state == State.STOPPED:
            self._say(" * Stopped.")
        elif status.last_restart_ms is not None and status.state == State.RUNNING:
            self._say(f" * Ready in {status.last_restart_ms:.0f} ms")

    def _say_output(self, event: AppOutput) -> None:
        if event.stream == NOTE:
            self._say(event.line)
            return
        if self._behind():  # the reader is behind: dropped, and counted
            self._drops.drop()
            return
        line = output_line(event.line)
        # A request's data printed by the app (say, in a traceback's message) may hold a
        # line break: what follows it must not pass for a line of the tool's own.
        self._write(f"  {line}" if line.startswith(MARK) else line)

    def caught_up(self) -> None:
        """The reader has taken everything: one note for the lines it missed."""
        note = self._drops.note()
        if note is not None:
            self._write(MARK + note)

    def _say(self, line: str) -> None:
        self._write(printable(line))

    def _write(self, line: str) -> None:
        self.caught_up()
        self._out.write(line + "\n")
        self._out.flush()


async def run(config: AppConfig, head: Optional[HeadStart] = None) -> int:
    """Serve until Ctrl+C or SIGTERM; the exit code is non-zero only if nothing could run.
    ``head``: the first app process, when it is already started."""
    loop = asyncio.get_running_loop()
    sys.stdout.flush()
    # Never blocks: a reader that stops reading stops nothing here.
    out = Outlet(sys.stdout.fileno(), lambda: _call_soon(loop, reporter.caught_up))
    text = TextOutlet(out, sys.stdout.encoding or "utf-8")
    reporter = TerminalReporter(config, text, out.backed_up)
    try:
        return await _serve(Supervisor(config, reporter, head))
    finally:
        out.close(timeout=0.5)  # the last lines, unless nobody reads them


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody left to tell
        loop.call_soon_threadsafe(callback)


async def _serve(supervisor: Supervisor) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in stopsignals.STOP_SIGNALS:  # first: a Ctrl+C while starting stops too
        with contextlib.suppress(NotImplementedError):  # Windows: KeyboardInterrupt instead
            loop.add_signal_handler(sig, stop.set)
    stopsignals.release()
    try:
        started = await _start_unless_stopped(supervisor, stop)
    except StartError as exc:
        print(f"Error: {printable(str(exc))}", file=sys.stderr)
        return 1
    try:
        if started:
            await stop.wait()
    finally:
        await supervisor.stop()
    return 0


async def _start_unless_stopped(supervisor: Supervisor, stop: asyncio.Event) -> bool:
    """Start; a signal that comes first abandons the start. Whether it started."""
    starting = asyncio.ensure_future(supervisor.start())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if starting.done():
        starting.result()  # StartError: nothing could run
        return True
    starting.cancel()
    await asyncio.gather(starting, return_exceptions=True)
    return False
