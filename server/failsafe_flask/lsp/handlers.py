"""The LSP surface: thin handlers that hand each request to the FailsafeServer."""

from __future__ import annotations

from typing import Any, Optional

from lsprotocol import types as lsp

from . import codeactions_server, commands, logs
from .server import FailsafeServer
from .settings import unwrap_section


def create_server() -> FailsafeServer:
    server = FailsafeServer()
    _register_lifecycle(server)
    _register_settings(server)
    _register_triggers(server)
    _register_commands(server)
    codeactions_server.register(server)
    return server


def _register_lifecycle(server: FailsafeServer) -> None:
    @server.feature(lsp.INITIALIZE)
    def initialize(ls: FailsafeServer, params: lsp.InitializeParams) -> None:
        raw = unwrap_section(params.initialization_options)
        ls.apps.init_settings = dict(raw) if isinstance(raw, dict) else {}
        logs.set_trace(_trace_name(params.trace))

    @server.feature(lsp.SET_TRACE)
    def set_trace(ls: FailsafeServer, params: lsp.SetTraceParams) -> None:
        logs.set_trace(_trace_name(params.value))

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: FailsafeServer, params: lsp.InitializedParams) -> None:
        async def pull() -> None:
            await ls.pull_settings()
            # Says now, not only at the first start, if a setting is wrong; and applies
            # the pulled settings should a start command have overtaken the pull.
            await ls.settings_changed()

        await ls.watch_files()
        await ls.in_order(pull)

    @server.feature(lsp.SHUTDOWN)
    async def shutdown(ls: FailsafeServer, params: None) -> None:
        await ls.in_order(ls.stop_app_quietly)  # after the commands sent before it

    @server.feature(lsp.EXIT)
    async def exit_(ls: FailsafeServer, params: None) -> None:
        await ls.close_app()  # a client may send exit without shutdown


def _register_settings(server: FailsafeServer) -> None:
    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: FailsafeServer, params: lsp.DidChangeConfigurationParams
    ) -> None:
        async def change() -> None:
            if ls.supports("workspace", "configuration"):
                await ls.pull_settings()
            else:
                raw = unwrap_section(params.settings)
                ls.apps.pushed = dict(raw) if isinstance(raw, dict) else {}  # every folder's
            await ls.settings_changed()

        await ls.in_order(change)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def folders_changed(
        ls: FailsafeServer, params: lsp.DidChangeWorkspaceFoldersParams
    ) -> None:
        async def change() -> None:
            # pygls has updated the folders: a new one's settings are pulled, and the
            # apps of a removed one stop.
            await ls.pull_settings()
            await ls.settings_changed()

        await ls.in_order(change)


def _register_triggers(server: FailsafeServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: FailsafeServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.file_changed(params.text_document.uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: FailsafeServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            ls.file_changed(change.uri)


def _register_commands(server: FailsafeServer) -> None:
    # `*args` keeps pygls from converting arguments: they are checked by hand, so a
    # wrong type gets a sentence, not a cattrs traceback.
    @server.command(commands.START)
    async def start(ls: FailsafeServer, *args: Any) -> dict[str, Any]:
        overrides = commands.parse_start_args(args)
        return await ls.in_order(lambda: ls.start_app(overrides))

    @server.command(commands.DEBUG)
    async def debug(ls: FailsafeServer, *args: Any) -> dict[str, Any]:
        overrides = commands.parse_debug_args(args)
        return await ls.in_order(lambda: ls.start_app(overrides))

    @server.command(commands.STOP)
    async def stop(ls: FailsafeServer, *args: Any) -> dict[str, Any]:
        target = commands.parse_target(commands.STOP, args)
        return await ls.in_order(lambda: ls.stop_app(target))

    @server.command(commands.RESTART)
    async def restart(ls: FailsafeServer, *args: Any) -> dict[str, Any]:
        target = commands.parse_target(commands.RESTART, args)
        return await ls.in_order(lambda: ls.restart_app(target))

    @server.command(commands.STATUS)
    async def status(ls: FailsafeServer, *args: Any) -> dict[str, Any]:
        target = commands.parse_target(commands.STATUS, args)
        # The state the commands before it left.
        return await ls.in_order(lambda: ls.status_app(target))


def _trace_name(trace: object) -> Optional[str]:
    value = getattr(trace, "value", trace)  # lsprotocol's TraceValue, or its string
    return value if isinstance(value, str) else None
