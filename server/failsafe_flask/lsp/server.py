"""The language server: a pygls LanguageServer that holds one Supervisor.

Handlers are thin and live in ``handlers.py``; an app's events become notifications in
``reporter.py``, which publishes diagnostics through ``publish.py`` and progress through
``progress.py``. ``FailsafeServer`` holds the state (settings, the supervisor) and wires
the pieces. Supervisor events arrive on the event loop and only ever turn into
notifications, so nothing here blocks.

A failure that is the answer to a command is told by that answer (and the log), never
also by window/showMessage: the client shows the answer, and a second toast for the
same failure is noise. Failures nobody asked for (a settings change, an app that exits)
are shown.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import uuid
from collections.abc import Awaitable
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO, Callable, Optional

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdinAsyncReader, run_async
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from .. import diagnostics as diag
from ..config import AppConfig
from ..outlet import Outlet
from ..supervisor.core import StartError, Supervisor
from ..supervisor.events import State, Status
from ..text import printable, printable_lines
from .commands import StartOverrides
from .noapp import no_app_error
from .progress import StatusProgress
from .publish import DiagnosticsPublisher
from .reporter import AppReporter
from .settings import SECTION, SettingsError, parse_settings
from .status import STATUS_NOTIFICATION, status_payload

logger = logging.getLogger("failsafe_flask.lsp")

REQUEST_FAILED = -32803  # LSP's RequestFailed: valid request, could not be carried out
APP = "app"  # the one app served today; every per-app piece is keyed by it
STOPPED = Status(message="Stopped")


class FailsafeServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "failsafe-flask", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.None_
        )
        self.supervisor: Optional[Supervisor] = None
        self.settings: dict[str, Any] = {}  # the failsafeFlask section as last received
        self.init_settings: dict[str, Any] = {}  # initializationOptions (carries "python")
        self.overrides = StartOverrides()  # the last start command's arguments
        self.applied: Optional[AppConfig] = None  # the config the supervisor runs with
        self.stopped = STOPPED  # the status while stopped: says why when a start failed
        publisher = DiagnosticsPublisher(self._send_diagnostics)
        progress = StatusProgress(
            self.work_done_progress, lambda: self.supports("window", "work_done_progress")
        )
        self.reporter = AppReporter(APP, self, self._send_status, publisher, progress)
        self._order: Optional[asyncio.Lock] = None  # made on the loop (3.9 binds at birth)
        self._acting: Optional[asyncio.Task[Any]] = None  # the command holding _order
        self._closing = False
        self._outlet: Optional[Outlet] = None  # stdout, once serving
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    # -- settings -----------------------------------------------------------------

    def project_root(self, overrides: StartOverrides) -> Path:
        """start's workspaceFolder, else the first workspace folder, else the root, else cwd."""
        if overrides.root is not None:
            return overrides.root
        with suppress(RuntimeError):  # no workspace before initialize
            for folder in self.workspace.folders.values():
                return Path(to_fs_path(folder.uri) or folder.uri)
            if self.workspace.root_path:
                return Path(self.workspace.root_path)
        return Path.cwd()

    def config_for(self, overrides: StartOverrides) -> AppConfig:
        raw = {**self.init_settings, **self.settings, **overrides.settings}
        return parse_settings(raw, self.project_root(overrides).resolve())

    def supports(self, *path: str) -> bool:
        """A client capability, by attribute path; absent anywhere means unsupported."""
        node: Any = self.client_capabilities
        for name in path:
            node = getattr(node, name, None)
        return bool(node)

    # -- messages -----------------------------------------------------------------

    def log(self, text: str | list[str], kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        """One line, or the lines of a block: escaped, so none can pass for another."""
        message = printable_lines([text] if isinstance(text, str) else text)
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))

    def show(self, text: str, kind: lsp.MessageType = lsp.MessageType.Error) -> None:
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=printable(text)))
        self.log(text, kind)

    def backed_up(self) -> bool:
        """The client is not reading fast enough: the app's lines are to be dropped."""
        return self._outlet is not None and self._outlet.backed_up()

    def status(self) -> Status:
        if self.supervisor is not None and self.supervisor.status.state != State.STOPPED:
            return self.supervisor.status
        return self.stopped

    def _send_diagnostics(self, path: str, items: list[lsp.Diagnostic]) -> None:
        params = lsp.PublishDiagnosticsParams(uri=diag.path_uri(path), diagnostics=items)
        self.text_document_publish_diagnostics(params)

    def _send_status(self, status: Status) -> None:
        self.protocol.notify(STATUS_NOTIFICATION, status_payload(status))

    # -- app control ---------------------------------------------------------------

    async def in_order(self, action: Callable[[], Awaitable[None]]) -> dict[str, Any]:
        """Run a command or settings change after every one received before it, on the
        state the previous one left; the answer is the state this one produced.

        pygls runs each request as its own task: without this, a stop and a start sent
        back to back interleave, and the start's answer is overtaken by the stop.
        """
        if self._order is None:
            self._order = asyncio.Lock()  # FIFO: waiters go in the order they came
        async with self._order:
            if self._closing:
                raise JsonRpcException(message="The server is shutting down", code=REQUEST_FAILED)
            self._acting = asyncio.current_task()
            try:
                await action()
                return status_payload(self.status())
            finally:
                self._acting = None

    def _failed(self, text: str) -> JsonRpcException:
        """A command's failure: its answer tells the user; the status and the log too."""
        if self.supervisor is not None and self.supervisor.status.state != State.STOPPED:
            # A rebind that failed leaves the app on its old settings: so must we.
            self.applied = self.supervisor.config
            self.log(f"Failsafe Flask: {text}", lsp.MessageType.Error)
        else:
            self.applied = None
            self.stopped = Status(errors=1, message=f"Start failed: {text}")
            self.reporter.status(self.stopped)
        return JsonRpcException(message=text, code=REQUEST_FAILED)

    async def start_app(self, overrides: StartOverrides) -> None:
        # A setting saved just before Start (the app picked in VS Code) must be seen:
        # its didChangeConfiguration pull may still be under way.
        await self.pull_settings()
        try:
            config = self.config_for(overrides)
        except SettingsError as exc:
            self.log(f"Failsafe Flask: {exc}", lsp.MessageType.Error)
            raise JsonRpcInvalidParams(message=str(exc)) from None
        self.overrides = overrides
        running = self.supervisor is not None and self.status().state != State.STOPPED
        if running and config == self.applied:
            return
        if not running:
            await self._refuse_without_app(config)
        await self._apply(config, fresh=not running)

    async def _refuse_without_app(self, config: AppConfig) -> None:
        refusal = await asyncio.to_thread(no_app_error, config)  # reads the project's files
        if refusal is not None:
            # Logged, not shown: the client shows the failed command (with a choice).
            self.log(f"Failsafe Flask: {refusal.message}", lsp.MessageType.Error)
            raise refusal

    async def _apply(self, config: AppConfig, fresh: bool) -> None:
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
            raise self._failed(str(exc)) from None

    async def stop_app(self) -> None:
        """Stop: the supervisor's STOPPED status clears the app's diagnostics."""
        self.stopped = STOPPED
        if self.supervisor is not None:
            await self.supervisor.stop()

    async def restart_app(self) -> None:
        if self.supervisor is None or self.status().state == State.STOPPED:
            await self.start_app(self.overrides)
        else:
            await self.supervisor.restart("restart command")

    async def settings_changed(self) -> None:
        """New settings: a running app restarts with them (rebinding if the port changed)."""
        try:
            config = self.config_for(self.overrides)
        except SettingsError as exc:
            self.show(f"Failsafe Flask: {exc}")
            return
        if self.supervisor is None or self.status().state == State.STOPPED:
            return
        if config != self.applied:  # the status line says "Restarting: settings changed"
            try:
                await self._apply(config, fresh=False)
            except JsonRpcException as exc:  # no command to answer: show it
                self.show(f"Failsafe Flask: {exc.message}")

    async def pull_settings(self) -> None:
        """workspace/configuration for our section, when the client can answer it."""
        if not self.supports("workspace", "configuration"):
            return
        item = lsp.ConfigurationItem(section=SECTION)
        try:
            result = await self.workspace_configuration_async(lsp.ConfigurationParams([item]))
        except Exception as exc:  # a client that claims support but fails: keep what we have
            logger.info("workspace/configuration failed: %s", exc)
            return
        if result and isinstance(result[0], dict):
            self.settings = dict(result[0])

    async def watch_files(self) -> None:
        """Ask the client for file events, when it supports registering them dynamically."""
        if not self.supports("workspace", "did_change_watched_files", "dynamic_registration"):
            return
        watcher = lsp.FileSystemWatcher(glob_pattern="**/*")
        options = lsp.DidChangeWatchedFilesRegistrationOptions(watchers=[watcher])
        registration = lsp.Registration(
            id=f"failsafe-flask-watch-{uuid.uuid4()}",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        try:
            await self.client_register_capability_async(lsp.RegistrationParams([registration]))
        except Exception as exc:  # the native watcher still covers changes
            logger.info("client/registerCapability failed: %s", exc)

    def file_changed(self, uri: str) -> None:
        if self.supervisor is not None:
            path = to_fs_path(uri) if uri.startswith("file:") else uri
            if path:
                self.supervisor.file_changed(path)

    # -- stdio ------------------------------------------------------------------------

    def serve(self, stdin: BinaryIO, stdout: BinaryIO) -> int:
        """Serve until exit, closed stdin or SIGTERM/SIGINT; the app is stopped in every case."""
        stop_event = self._stop_event = threading.Event()  # pygls's shutdown() sets it
        reader = StdinAsyncReader(stdin, self.thread_pool)
        outlet = self._outlet = Outlet(stdout.fileno(), self._caught_up)
        self.protocol.set_writer(_OutletWriter(outlet))
        try:
            asyncio.run(self._serve(reader, stop_event))
        except SystemExit as exc:  # the exit notification: 0 after shutdown, else 1
            return exc.code if isinstance(exc.code, int) else 1
        finally:
            outlet.close(timeout=1.0)  # the last answers, unless the client reads no more
        return 0

    def _caught_up(self) -> None:
        """On the writer thread: the client has read all; tell it what was dropped."""
        loop = self._loop
        if loop is not None:
            with suppress(RuntimeError):  # the loop has closed: nobody to tell
                loop.call_soon_threadsafe(self.reporter.caught_up)

    async def _serve(self, reader: StdinAsyncReader, stop_event: threading.Event) -> None:
        task = asyncio.current_task()
        loop = self._loop = asyncio.get_running_loop()
        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            # Feature detection: Windows has no add_signal_handler (nor SIGHUP).
            with suppress(AttributeError, NotImplementedError, RuntimeError):
                loop.add_signal_handler(getattr(signal, name), task.cancel)  # type: ignore[union-attr]
        try:
            await run_async(stop_event, reader, self.protocol, logger, self.report_server_error)
        except asyncio.CancelledError:
            logger.info("Stopping (signal or exit)")
        finally:
            # Whatever ended the loop, the app must be gone and the port free.
            await self.close_app()

    async def close_app(self) -> None:
        """The last word: no command after this one; one under way (perhaps waiting
        for a client that no longer reads) is cut short, and the app stopped."""
        self._closing = True
        acting = self._acting
        if acting is not None and acting is not asyncio.current_task():
            acting.cancel()
            await asyncio.gather(acting, return_exceptions=True)
        await self.stop_app_quietly()

    async def stop_app_quietly(self) -> None:
        if self.supervisor is not None:
            try:
                await self.supervisor.stop()
            except Exception:
                logger.exception("Stopping the app failed")


class _OutletWriter:
    """pygls's writer interface over an Outlet: a message is queued, never waited on."""

    def __init__(self, outlet: Outlet) -> None:
        self._outlet = outlet

    def write(self, data: bytes) -> None:
        self._outlet.write(data)

    def close(self) -> None:
        self._outlet.close(timeout=1.0)
