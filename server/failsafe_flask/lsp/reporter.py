"""One app's supervisor events, told to the client: its status, log lines, diagnostics and
work-done progress. Called on the event loop; everything here only sends notifications.
"""

from __future__ import annotations

import logging
from typing import Callable, Optional, Protocol

from lsprotocol import types as lsp

from .. import diagnostics as diag
from ..outlet import Drops
from ..supervisor.events import (
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
from ..supervisor.summary import format_error
from ..text import output_line
from .codeactions_data import annotated
from .levels import OutputLevels
from .progress import StatusProgress
from .publish import DiagnosticsPublisher
from .status import status_line

logger = logging.getLogger("failsafe_flask.lsp")


class Messages(Protocol):
    def log(self, text: str | list[str], kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        """One line, or a block's lines; the implementation escapes each (text.printable)."""

    def show(self, text: str, kind: lsp.MessageType = lsp.MessageType.Error) -> None: ...

    def backed_up(self) -> bool: ...


class AppReporter:
    """The supervisor's ``on_event`` for the app ``app``."""

    def __init__(
        self,
        app: str,
        messages: Messages,
        send_status: Callable[[Status], None],
        publisher: DiagnosticsPublisher,
        progress: StatusProgress,
    ) -> None:
        self.app = app
        self._messages = messages
        self._send_status = send_status
        self._publisher = publisher
        self._progress = progress
        self._drops = Drops()
        self._levels = OutputLevels()
        self._told: Optional[tuple[State, str]] = None  # the last status logged

    def __call__(self, event: SupervisorEvent) -> None:
        try:
            self._dispatch(event)
        except Exception:  # a bug here must not break the supervisor's reader
            logger.exception("Failed to handle %r", event)

    def status(self, status: Status) -> None:
        """Tell ``status``: the notification, a log line, progress; stopped clears."""
        self._send_status(status)
        if (status.state, status.message) != self._told:
            # One line per change: a pid or a count arriving is no news in a log.
            self._told = (status.state, status.message)
            self._messages.log(status_line(status))
        if status.state == State.STOPPED:
            # The one place an app's diagnostics go when it stops (Stop, a failed
            # start, the server's own exit): a stopped app has nothing to report.
            self._publisher.clear(self.app)
        self._progress.update(self.app, status)

    def _dispatch(self, event: SupervisorEvent) -> None:
        say = self._messages
        if isinstance(event, StatusChanged):
            self.status(event.status)
        elif isinstance(event, AppOutput):
            self._output(event)
        elif isinstance(event, AppReady):
            self._publisher.clear(self.app)
        elif isinstance(event, AppLoadError):
            self._load_error(event)
        elif isinstance(event, AppRequestError):
            found = diag.request_error_diagnostics(event.error, event.method, event.path)
            self._publisher.add(self.app, annotated(found, event.error, "", self.app))
        elif isinstance(event, AppExited):
            say.show(f"Failsafe Flask: the app exited: {event.message}", lsp.MessageType.Warning)
        elif isinstance(event, LaunchFailed):
            say.show(f"Failsafe Flask: {event.message}", lsp.MessageType.Warning)

    def _output(self, event: AppOutput) -> None:
        """An app's line, unless the client is behind: then it is dropped and counted."""
        if self._messages.backed_up():
            self._drops.drop()
            return
        self.caught_up()
        # By content, not by stream: Werkzeug logs every request on stderr, and
        # flagging those would drown the tracebacks.
        level = self._levels.level(event.stream, event.line)
        prefix = "" if event.stream == NOTE else f"[app {event.stream}] "
        self._messages.log(prefix + output_line(event.line), level)

    def caught_up(self) -> None:
        """The client reads again: one note for the lines it missed."""
        note = self._drops.note()
        if note is not None:
            self._messages.log(f"Failsafe Flask: {note}", lsp.MessageType.Warning)

    def _load_error(self, event: AppLoadError) -> None:
        # The app process leaves printing to its front ends: the log gets it once.
        self._messages.log(format_error(event.error), lsp.MessageType.Error)
        found = annotated(
            diag.load_error_diagnostics(event.error, event.entry),
            event.error,
            event.entry,
            self.app,
        )
        self._publisher.publish(self.app, found)
        if not found:
            # Nowhere to put it (e.g. no app found at all): say it where it is seen.
            error = event.error
            self._messages.show(f"Failsafe Flask: {error['type']}: {error['message']}")
