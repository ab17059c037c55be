"""One app of the workspace: its supervisor and what the server remembers about it.

Each app has a slot of its own (its supervisor, its last start's arguments, the settings it
runs with, why it is stopped), so a failure, a stop or a restart of one app never touches
another's state. The server decides which slot a command means and what config it gets.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from ..config import AppConfig
from ..supervisor.core import StartError, Supervisor
from ..supervisor.events import State, Status
from .apps import AppSpec
from .commands import StartOverrides
from .progress import StatusProgress
from .publish import DiagnosticsPublisher
from .reporter import AppReporter, Messages
from .status import app_status_payload

logger = logging.getLogger("failsafe_flask.lsp")

REQUEST_FAILED = -32803  # LSP's RequestFailed: valid request, could not be carried out
STOPPED = Status(message="Stopped")

SendStatus = Callable[[dict[str, Any]], None]  # the $/failsafeFlask/status payload
PREFIX = "Failsafe Flask"


class Labelled:
    """An app's log lines and messages, naming the app when the workspace has several:
    two apps' output in one log is otherwise impossible to tell apart."""

    def __init__(self, inner: Messages, label: Callable[[], str]) -> None:
        self._inner = inner
        self._label = label

    def _named(self, text: str) -> str:
        label = self._label()
        if not label:
            return text
        if text.startswith(f"{PREFIX}:"):
            return f"{PREFIX} ({label}):{text[len(PREFIX) + 1 :]}"
        return f"[{label}] {text}"

    def log(self, text: str | list[str], kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        if isinstance(text, str):
            self._inner.log(self._named(text), kind)
        else:  # a block: its first line names the app
            self._inner.log([self._named(text[0]), *text[1:]] if text else text, kind)

    def show(self, text: str, kind: lsp.MessageType = lsp.MessageType.Error) -> None:
        self._inner.show(self._named(text), kind)

    def backed_up(self) -> bool:
        return self._inner.backed_up()


class AppSlot:
    def __init__(
        self,
        spec: AppSpec,
        messages: Messages,
        send: SendStatus,
        publisher: DiagnosticsPublisher,
        progress: StatusProgress,
        several: Callable[[], bool] = lambda: False,
    ) -> None:
        self.spec = spec  # replaced when the settings change (same id)
        self.supervisor: Optional[Supervisor] = None
        self.overrides = StartOverrides()  # the last start command's arguments
        self.applied: Optional[AppConfig] = None  # the config the supervisor runs with
        self.stopped = STOPPED  # the status while stopped: says why when a start failed
        self._messages = Labelled(messages, lambda: self.spec.name if several() else "")
        self._send = send
        self._publisher = publisher
        self.reporter = AppReporter(spec.id, self._messages, self._send_status, publisher, progress)

    @property
    def id(self) -> str:
        return self.spec.id

    def running(self) -> bool:
        return self.supervisor is not None and self.supervisor.status.state != State.STOPPED

    def status(self) -> Status:
        if self.supervisor is not None and self.running():
            return self.supervisor.status
        return self.stopped

    def payload(self) -> dict[str, Any]:
        return self._payload(self.status())

    def _payload(self, status: Status) -> dict[str, Any]:
        spec = self.spec
        return app_status_payload(status, spec.id, spec.name, spec.folder.uri)

    def _send_status(self, status: Status) -> None:
        self._send(self._payload(status))

    def failed(self, text: str, error: Optional[JsonRpcException] = None) -> JsonRpcException:
        """A command's failure: its answer tells the user; the status and the log too."""
        if self.supervisor is not None and self.running():
            # A rebind that failed leaves the app on its old settings: so must we.
            self.applied = self.supervisor.config
            self._messages.log(f"Failsafe Flask: {text}", lsp.MessageType.Error)
        else:
            self.applied = None
            self.stopped = Status(errors=1, message=f"Start failed: {text}")
            self.reporter.status(self.stopped)
        return error or JsonRpcException(message=text, code=REQUEST_FAILED)

    async def apply(self, config: AppConfig, fresh: bool) -> None:
        """Run ``config``: a new supervisor when stopped, else reconfigure the running one."""
        self.applied = config
        try:
            if fresh or self.supervisor is None:
                self.stopped = STOPPED
                self.supervisor = Supervisor(config, self.reporter)
                await self.supervisor.start()
            else:
                await self.supervisor.reconfigure(config)
        except StartError as exc:
            raise self.failed(str(exc)) from None

    async def stop(self) -> None:
        """Stop: the supervisor's STOPPED status clears this app's diagnostics only."""
        self.stopped = STOPPED
        if self.supervisor is not None:
            await self.supervisor.stop()
        self._publisher.clear(self.id)  # also a refused start's (no supervisor ran)

    async def stop_quietly(self) -> None:
        if self.supervisor is not None:
            try:
                await self.supervisor.stop()
            except Exception:
                logger.exception("Stopping the app %s failed", self.id)

    def file_changed(self, path: str) -> None:
        """Every app hears every change; its supervisor decides (its root, its rules)."""
        if self.supervisor is not None:
            self.supervisor.file_changed(path)
