"""The language server: a pygls LanguageServer that holds one Supervisor per app.

Handlers are thin and live in ``handlers.py``. Which apps the workspace holds, and which
one a command names, is ``apps.py``/``registry.py``; each app's own state is an
``AppSlot`` (``slot.py``). An app's events become notifications in ``reporter.py``, which
publishes diagnostics through ``publish.py`` (per app: one app's publish never clears
another's) and progress through ``progress.py``. Supervisor events arrive on the event
loop and only ever turn into notifications, so nothing here blocks.

A failure that is the answer to a command is told by that answer (and the log), never
also by window/showMessage: the client shows the answer, and a second toast for the
same failure is noise. Failures nobody asked for (a settings change, an app that exits)
are shown.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import threading
import uuid
from collections.abc import Awaitable
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO, Callable, Optional

import attrs
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdinAsyncReader, run_async
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__
from .. import diagnostics as diag
from ..config import AppConfig
from ..outlet import Outlet
from ..text import printable, printable_lines
from . import refusals
from .apps import AppSpec, Folder
from .commands import StartOverrides
from .noapp import no_app_error
from .ports import port_busy, port_conflict, port_data
from .progress import StatusProgress
from .publish import DiagnosticsPublisher
from .registry import AppRegistry
from .settings import SECTION, SettingsError, parse_settings
from .slot import REQUEST_FAILED, AppSlot
from .status import STATUS_NOTIFICATION

logger = logging.getLogger("failsafe_flask.lsp")

Action = Callable[[], Awaitable[Optional[AppSlot]]]


class FailsafeServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "failsafe-flask", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.None_
        )
        self._publisher = DiagnosticsPublisher(self._send_diagnostics)
        self._progress = StatusProgress(
            self.work_done_progress, lambda: self.supports("window", "work_done_progress")
        )
        self.apps = AppRegistry(self._new_slot)
        self._order: Optional[asyncio.Lock] = None  # made on the loop (3.9 binds at birth)
        self._acting: Optional[asyncio.Task[Any]] = None  # the command holding _order
        self._closing = False
        self._outlet: Optional[Outlet] = None  # stdout, once serving
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def _new_slot(self, spec: AppSpec) -> AppSlot:
        several = lambda: self.apps.count > 1  # noqa: E731 - read at each log line
        return AppSlot(spec, self, self._send_status, self._publisher, self._progress, several)

    # -- folders and settings ---------------------------------------------------------

    def folders(self) -> list[Folder]:
        """The workspace folders; else the root; else the current directory."""
        uris: list[tuple[str, str]] = []
        with suppress(RuntimeError):  # no workspace before initialize
            uris = [(f.uri, f.name) for f in self.workspace.folders.values()]
            if not uris and self.workspace.root_uri:
                uris = [(self.workspace.root_uri, "")]
        if not uris:
            uris = [(from_fs_path(str(Path.cwd())) or "", "")]
        return [_folder(uri, name) for uri, name in uris]

    def config_for(self, slot: AppSlot, overrides: StartOverrides) -> AppConfig:
        raw = {**slot.spec.settings, **overrides.settings}
        if overrides.settings.get("debugpy") is True and slot.spec.settings.get("debugpy"):
            raw["debugpy"] = slot.spec.settings["debugpy"]  # debug: where the setting says
        return parse_settings(raw, (overrides.root or slot.spec.root).resolve())

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

    def _send_diagnostics(self, path: str, items: list[lsp.Diagnostic]) -> None:
        if not self.supports("text_document", "publish_diagnostics", "code_description_support"):
            # A link the client did not ask for: some refuse the whole message for it.
            items = [attrs.evolve(item, code_description=None) for item in items]
        params = lsp.PublishDiagnosticsParams(uri=diag.path_uri(path), diagnostics=items)
        self.text_document_publish_diagnostics(params)

    def _send_status(self, payload: dict[str, Any]) -> None:
        self.protocol.notify(STATUS_NOTIFICATION, payload)

    # -- app control ---------------------------------------------------------------

    async def in_order(self, action: Action) -> dict[str, Any]:
        """Run a command or settings change after every one received before it, on the
        state the previous one left; the answer is the state this one produced (of the
        app it acted on).

        pygls runs each request as its own task: without this, a stop and a start sent
        back to back interleave, and the start's answer is overtaken by the stop. One
        order for all apps keeps each app's order, and a command only waits for a launch.
        """
        if self._order is None:
            self._order = asyncio.Lock()  # FIFO: waiters go in the order they came
        async with self._order:
            if self._closing:
                raise JsonRpcException(message="The server is shutting down", code=REQUEST_FAILED)
            self._acting = asyncio.current_task()
            try:
                slot = await action()
                return slot.payload() if slot is not None else {}
            finally:
                self._acting = None

    def slot_for(self, target: Optional[str]) -> AppSlot:
        """The app a command names (its id, name or folder); without one, the only app."""
        try:
            return self.apps.resolve(self.folders(), target)
        except SettingsError as exc:
            raise JsonRpcInvalidParams(message=str(exc)) from None

    def _target(self, overrides: StartOverrides) -> tuple[AppSlot, StartOverrides]:
        """start's app: named, or the one whose folder its workspaceFolder is."""
        target, root = overrides.target, overrides.root
        if target is None and root is not None:
            specs = self.apps.specs(self.folders())
            if any(spec.identified_by(str(root)) for spec in specs):
                target, root = str(root), None  # a folder of ours: its app, its root
        slot = self.slot_for(target)
        if root is not None and slot.spec.identified_by(str(root)):
            root = None  # its own folder: the app's root (a subfolder in a monorepo)
        return slot, dataclasses.replace(overrides, root=root, target=slot.id)

    async def start_app(self, overrides: StartOverrides) -> AppSlot:
        # A setting saved just before Start (the app picked in VS Code) must be seen:
        # its didChangeConfiguration pull may still be under way.
        await self.pull_settings()
        slot, overrides = self._target(overrides)
        try:
            config = self.config_for(slot, overrides)
        except SettingsError as exc:
            self.log(f"Failsafe Flask: {exc}", lsp.MessageType.Error)
            raise JsonRpcInvalidParams(message=str(exc)) from None
        slot.overrides = overrides
        running = slot.running()
        if running and config == slot.applied:
            return slot
        if not running:
            await self._refuse_without_app(slot, config)
        await self._apply(slot, config, fresh=not running)
        return slot

    async def _refuse_without_app(self, slot: AppSlot, config: AppConfig) -> None:
        refusal = await asyncio.to_thread(no_app_error, config)  # reads the project's files
        if refusal is not None:
            # Logged, not shown: the client shows the failed command (with a choice).
            self.log(f"Failsafe Flask: {refusal.message}", lsp.MessageType.Error)
            candidates = refusal.data["candidates"] if isinstance(refusal.data, dict) else []
            found = [(c["app"], c["file"]) for c in candidates]
            where = await asyncio.to_thread(
                refusals.no_app_refusal, slot.spec, config.project_root, refusal.message, found
            )
            self._publisher.publish(slot.id, where)  # the quick fixes hang on these
            raise refusal

    async def _apply(self, slot: AppSlot, config: AppConfig, fresh: bool) -> None:
        """Run ``config`` in ``slot``, unless another app of ours has its port."""
        moved = slot.applied is None or slot.applied.port != config.port
        if fresh or moved:
            refusal = await asyncio.to_thread(
                port_conflict, slot.spec, config, self.apps.running_others(slot)
            )
            if refusal is not None:
                error = slot.failed(refusal.message, refusal)
                await self._port_refused(slot, config, refusal.message)
                raise error
        try:
            await slot.apply(config, fresh)
        except JsonRpcException as exc:
            # Another program's port: the same diagnostic and quick fix as our own apps'.
            # (Not for the port the app itself holds: only a new one can be another's.)
            if (fresh or moved) and await asyncio.to_thread(port_busy, config):
                exc.data = port_data(config, None)
                await self._port_refused(slot, config, exc.message)
            raise

    async def _port_refused(self, slot: AppSlot, config: AppConfig, message: str) -> None:
        """A diagnostic for the fix; added: an app still running keeps its own errors."""
        where = await asyncio.to_thread(refusals.port_refusal, slot.spec, config, message)
        self._publisher.add(slot.id, where)

    async def stop_app(self, target: Optional[str] = None) -> AppSlot:
        slot = self.slot_for(target)
        await slot.stop()
        return slot

    async def restart_app(self, target: Optional[str] = None) -> AppSlot:
        slot = self.slot_for(target)
        if not slot.running() or slot.supervisor is None:
            return await self.start_app(dataclasses.replace(slot.overrides, target=slot.id))
        await slot.supervisor.restart("restart command")
        return slot

    async def status_app(self, target: Optional[str] = None) -> AppSlot:
        return self.slot_for(target)

    async def settings_changed(self) -> None:
        """New settings: a running app restarts with them (rebinding if the port changed);
        an app no longer configured stops. Each app on its own: one's error is its own."""
        specs = self.apps.specs(self.folders())
        for problem in self.apps.problems.values():
            self.show(f"Failsafe Flask: {problem}")
        ids = {spec.id for spec in specs}
        for slot in self.apps.slots():
            if slot.id not in ids:
                await slot.stop_quietly()
                self.apps.forget(slot)
        for spec in specs:  # each app's settings are checked, running or not
            await self._settings_changed_for(self.apps.slot(spec))

    async def _settings_changed_for(self, slot: AppSlot) -> None:
        try:
            config = self.config_for(slot, slot.overrides)
        except SettingsError as exc:
            self.show(f"Failsafe Flask: {exc}")
            return
        if not slot.running() or config == slot.applied:
            return
        try:  # the status line says "Restarting: settings changed"
            await self._apply(slot, config, fresh=False)
        except JsonRpcException as exc:  # no command to answer: show it
            self.show(f"Failsafe Flask: {exc.message}")

    async def pull_settings(self) -> None:
        """workspace/configuration for our section, one item per folder (its scopeUri),
        when the client can answer it."""
        if not self.supports("workspace", "configuration"):
            return
        folders = self.folders()
        items = [lsp.ConfigurationItem(scope_uri=f.uri, section=SECTION) for f in folders]
        try:
            result = await self.workspace_configuration_async(lsp.ConfigurationParams(items))
        except Exception as exc:  # a client that claims support but fails: keep what we have
            logger.info("workspace/configuration failed: %s", exc)
            return
        for folder, raw in zip(folders, result or []):
            self.apps.pulled[folder.uri] = dict(raw) if isinstance(raw, dict) else {}

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
        """To every app: each one's supervisor decides whether the file is its own."""
        path = to_fs_path(uri) if uri.startswith("file:") else uri
        if path:
            for slot in self.apps.slots():
                slot.file_changed(path)

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
                loop.call_soon_threadsafe(self._all_caught_up)

    def _all_caught_up(self) -> None:
        for slot in self.apps.slots():
            slot.reporter.caught_up()

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
        for slot in self.apps.slots():
            await slot.stop_quietly()


def _folder(uri: str, name: str) -> Folder:
    path = Path(to_fs_path(uri) or uri).resolve()
    return Folder(uri, path, name or path.name)


class _OutletWriter:
    """pygls's writer interface over an Outlet: a message is queued, never waited on."""

    def __init__(self, outlet: Outlet) -> None:
        self._outlet = outlet

    def write(self, data: bytes) -> None:
        self._outlet.write(data)

    def close(self) -> None:
        self._outlet.close(timeout=1.0)
