"""The real language server as a subprocess, driven by pytest-lsp's client.

``lsp_session(capabilities, settings)`` starts ``python -m failsafe_flask lsp`` in a
temporary project, answers client/registerCapability (pytest-lsp's default client does
not), records every status notification and diagnostic, and waits with deadlines only.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from system import free_port, port_is_free  # noqa: F401 - the LSP tests import them from here

DEADLINE = 15.0  # seconds for any one expected event; a pass takes well under 2
STATUS = "$/failsafeFlask/status"


def vscode_capabilities() -> lsp.ClientCapabilities:
    return client_capabilities("visual-studio-code")


def neovim_capabilities() -> lsp.ClientCapabilities:
    """Neovim 0.11 as captured, minus progress: nothing VS Code-specific may be needed."""
    caps = client_capabilities("neovim@v0.11.0")
    assert caps.workspace and caps.workspace.did_change_watched_files
    assert not caps.workspace.did_change_watched_files.dynamic_registration
    if caps.window is not None:
        caps.window.work_done_progress = False
    return caps


# Handled by Session itself (pygls refuses a second handler for one method).
_OWN = {
    STATUS,
    lsp.CLIENT_REGISTER_CAPABILITY,
    lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
    lsp.WINDOW_LOG_MESSAGE,
    lsp.WINDOW_WORK_DONE_PROGRESS_CREATE,
}


class Session:
    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.statuses: list[dict[str, Any]] = []
        self.diagnostics: dict[str, list[lsp.Diagnostic]] = {}
        self.published: list[tuple[float, str, list[lsp.Diagnostic]]] = []
        self.registrations: list[lsp.Registration] = []
        self.progress_creates = 0
        self.closed = False
        self._changed = asyncio.Event()
        self.client = LanguageClient(converter_factory=default_converter)
        defaults = {k: v for k, v in DEFAULT_CLIENT_FEATURES.items() if k not in _OWN}
        register_lsp_features(self.client, defaults)
        self._install(self.client)

    def _install(self, client: LanguageClient) -> None:
        @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def register(params: lsp.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)

        @client.feature(STATUS)
        def status(params: Any) -> None:
            self.statuses.append(_plain(params))
            self._changed.set()

        @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = list(params.diagnostics)
            self.published.append((time.monotonic(), params.uri, list(params.diagnostics)))
            self._changed.set()

        # A log line may arrive after the status it explains: waiting on it wakes `until`.
        @client.feature(lsp.WINDOW_LOG_MESSAGE)
        def log_message(params: lsp.LogMessageParams) -> None:
            client.log_messages.append(params)
            self._changed.set()

        @client.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def create(params: lsp.WorkDoneProgressCreateParams) -> None:
            self.progress_creates += 1
            client.progress_reports.setdefault(params.token, [])

    async def until(self, found: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
        """Wait for ``found()`` to be truthy, re-checking on every notification."""
        deadline = time.monotonic() + timeout
        while not (result := found()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}; statuses: {self.statuses}")
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return result

    async def close(self) -> None:
        """shutdown + exit, then wait for the server process; once only."""
        if self.closed:
            return
        self.closed = True
        await asyncio.wait_for(self.client.shutdown_session(), DEADLINE)
        await self.client.stop()

    def mark(self) -> int:
        return len(self.statuses)

    async def state(self, state: str, after: int = 0) -> dict[str, Any]:
        def seen() -> Optional[dict[str, Any]]:
            return next((s for s in self.statuses[after:] if s["state"] == state), None)

        return dict(await self.until(seen, f"state {state!r}"))

    def uri(self, name: str) -> str:
        return from_fs_path(str(self.root / name)) or ""

    def write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def save(self, name: str, text: str) -> None:
        """Write a file and tell the server as an editor does on save."""
        self.write({name: text})
        doc = lsp.TextDocumentIdentifier(uri=self.uri(name))
        self.client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=doc))

    async def command(self, name: str, *args: Any) -> Any:
        params = lsp.ExecuteCommandParams(command=name, arguments=list(args) or None)
        return await asyncio.wait_for(self.client.workspace_execute_command_async(params), DEADLINE)

    async def get(self, path: str = "/", port: Optional[int] = None) -> tuple[int, str]:
        url = f"http://127.0.0.1:{port or self.port}{path}"
        return await asyncio.to_thread(_fetch, url)


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=DEADLINE) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _plain(params: Any) -> dict[str, Any]:
    if isinstance(params, dict):
        return params
    # pygls hands unknown notifications over as namedtuple-like objects.
    return dict(params._asdict()) if hasattr(params, "_asdict") else dict(vars(params))


SessionFactory = Callable[..., Awaitable[Session]]


@pytest.fixture
async def lsp_session(tmp_path: Path) -> AsyncIterator[SessionFactory]:
    sessions: list[Session] = []

    async def start(
        capabilities: Optional[lsp.ClientCapabilities] = None,
        settings: Optional[dict[str, Any]] = None,
        files: Optional[dict[str, str]] = None,
        stderr: Optional[Path] = None,
    ) -> Session:
        session = Session(tmp_path, free_port())
        command = [sys.executable, "-m", "failsafe_flask", "lsp"]
        if stderr is not None:  # into a file, for a test of what the server says there
            command = ["sh", "-c", 'exec "$@" 2>"$0"', str(stderr), *command]
        config = ClientServerConfig(server_command=command, client_factory=lambda: session.client)
        client = await config.start()
        sessions.append(session)
        session.write(files or {})
        params = lsp.InitializeParams(
            capabilities=capabilities or vscode_capabilities(),
            root_uri=from_fs_path(str(tmp_path)),
            workspace_folders=[lsp.WorkspaceFolder(from_fs_path(str(tmp_path)) or "", "p")],
            initialization_options={"port": session.port, **(settings or {})},
        )
        await asyncio.wait_for(client.initialize_session(params), DEADLINE)
        return session

    yield start
    for session in sessions:
        await session.close()
