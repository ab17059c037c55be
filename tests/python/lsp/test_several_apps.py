"""Several apps in one language server (issue 16): two workspace folders, and a monorepo
folder whose ``failsafeFlask.apps`` lists two apps. The real server over stdio, real
apps on real ports; each folder's settings are pulled with its scopeUri.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig

from system import listening_inodes

from .conftest import DEADLINE, Session, free_port, vscode_capabilities


def _app(word: str) -> str:
    return f"""from flask import Flask, render_template_string

app = Flask(__name__)


@app.route("/")
def index():
    return render_template_string("{word}")


@app.route("/boom")
def boom():
    return 1 / 0
"""


def _files(folder: str, word: str) -> dict[str, str]:
    """A small project: the app, a .flaskenv, a template folder."""
    return {
        f"{folder}/app.py": _app(word),
        f"{folder}/.flaskenv": "FLASK_DEBUG=1\n",
        f"{folder}/templates/base.html": "<p>{{ word }}</p>\n",
    }


Open = Callable[..., Any]


@pytest.fixture
async def workspace(tmp_path: Path) -> AsyncIterator[Open]:
    """open(folders={name: settings}, files) -> a Session over several workspace folders."""
    sessions: list[Session] = []

    async def open_(folders: dict[str, dict[str, Any]], files: dict[str, str]) -> Session:
        session = Session(tmp_path, 0)
        session.write(files)
        wfs = []
        for name, settings in folders.items():
            uri = _uri(tmp_path / name)
            session.client.set_configuration(settings, section="failsafeFlask", scope_uri=uri)
            wfs.append(lsp.WorkspaceFolder(uri, name))
        config = ClientServerConfig(
            server_command=[sys.executable, "-m", "failsafe_flask", "lsp"],
            client_factory=lambda: session.client,
        )
        client = await config.start()
        sessions.append(session)
        params = lsp.InitializeParams(
            capabilities=vscode_capabilities(), root_uri=wfs[0].uri, workspace_folders=wfs
        )
        await asyncio.wait_for(client.initialize_session(params), DEADLINE)
        return session

    yield open_
    for session in sessions:
        await session.close()


def _uri(path: Path) -> str:
    return from_fs_path(str(path)) or ""


async def _state(session: Session, app_id: str, state: str, after: int) -> dict[str, Any]:
    def seen() -> Optional[dict[str, Any]]:
        mine = [s for s in session.statuses[after:] if s.get("appId") == app_id]
        return next((s for s in mine if s["state"] == state), None)

    return dict(await session.until(seen, f"{app_id} {state}"))


async def _start(session: Session, app: Any) -> dict[str, Any]:
    mark = session.mark()
    answer = await session.command("failsafe-flask.start", app)
    return await _state(session, answer["appId"], "running", mark)


def _closed(port: int) -> bool:
    """Nothing listens on ``port`` (a served request may leave it in TIME_WAIT, which a
    bind without SO_REUSEADDR would take for taken)."""
    return not listening_inodes(port)


def _errors(session: Session, name: str) -> list[lsp.Diagnostic]:
    return [d for d in session.diagnostics.get(session.uri(name), []) if d.severity == 1]


async def test_two_folders_each_serve_and_fail_alone(workspace: Open) -> None:
    api_port, admin_port = free_port(), free_port()
    folders = {"api": {"port": api_port}, "admin": {"port": admin_port}}
    session = await workspace(folders, {**_files("api", "api"), **_files("admin", "admin")})
    api = await _start(session, "api")  # by name
    admin = await _start(session, {"appId": session.uri("admin")})  # by folder URI
    assert (api["appId"], api["name"]) == (session.uri("api"), "api")
    assert admin["folder"] == session.uri("admin") and admin["app"] == "app.py"
    assert await session.get("/", api_port) == (200, "api")
    assert await session.get("/", admin_port) == (200, "admin")

    # A request error in api stays while admin breaks and while admin stops.
    assert (await session.get("/boom", api_port))[0] == 500
    [api_error] = await session.until(lambda: _errors(session, "api/app.py"), "api's error")
    published = len(session.published)
    mark = session.mark()
    session.save("admin/app.py", _app("admin") + "\ndef broken(:\n")
    await _state(session, admin["appId"], "failed", mark)
    [syntax] = await session.until(lambda: _errors(session, "admin/app.py"), "SyntaxError")
    assert syntax.message.startswith("SyntaxError")

    # The log names the app each line is about.
    def logged(prefix: str) -> bool:
        return any(m.message.startswith(prefix) for m in session.client.log_messages)

    await session.until(lambda: logged("Failsafe Flask (admin): failed"), "admin's log line")
    assert logged("Failsafe Flask (api): running")
    assert await session.get("/", api_port) == (200, "api")
    assert _errors(session, "api/app.py") == [api_error]
    api_now = await session.command("failsafe-flask.status", "api")
    assert api_now["state"] == "running" and api_now["pid"] == api["pid"]

    stopped = await session.command("failsafe-flask.stop", "admin")
    assert stopped["state"] == "stopped" and stopped["appId"] == admin["appId"]
    assert _closed(admin_port) and session.diagnostics[session.uri("admin/app.py")] == []
    assert await session.get("/", api_port) == (200, "api")
    api_uri = session.uri("api/app.py")
    assert not [p for p in session.published[published:] if p[1] == api_uri]


async def test_commands_without_an_app_list_the_apps(workspace: Open) -> None:
    folders = {"api": {"port": free_port()}, "admin": {"port": free_port()}}
    session = await workspace(folders, {**_files("api", "api"), **_files("admin", "admin")})
    for command in ("start", "stop", "restart", "status"):
        with pytest.raises(JsonRpcException, match="several apps") as caught:
            await session.command(f"failsafe-flask.{command}")
        assert "api (" in str(caught.value) and "admin (" in str(caught.value)
    with pytest.raises(JsonRpcException, match="No app is named 'nope'"):
        await session.command("failsafe-flask.status", "nope")
    with pytest.raises(JsonRpcException, match="at most one argument"):
        await session.command("failsafe-flask.stop", 5)
    assert not any(s["state"] != "stopped" for s in session.statuses)


async def test_same_port_second_app_is_told_which_app_and_a_free_port(workspace: Open) -> None:
    port = free_port()
    folders = {"api": {"port": port}, "admin": {"port": port}}
    session = await workspace(folders, {**_files("api", "api"), **_files("admin", "admin")})
    await _start(session, "api")
    mark = session.mark()
    with pytest.raises(JsonRpcException, match=f"Port {port} is already used by the app api"):
        await session.command("failsafe-flask.start", "admin")
    failed = await _state(session, session.uri("admin"), "stopped", mark)
    assert failed["errors"] == 1 and "is free: set its port to" in failed["message"]
    assert await session.get("/", port) == (200, "api")
    # The suggested port works: start admin there.
    free = int(failed["message"].split("start with port ")[1].rstrip("."))
    await _start(session, {"appId": "admin", "port": free})
    assert await session.get("/", free) == (200, "admin")


async def test_monorepo_folder_runs_two_apps(workspace: Open) -> None:
    backend, admin = free_port(), free_port()
    apps = [
        {"name": "backend", "root": "backend", "port": backend},
        {"name": "admin", "root": "admin", "port": admin},
    ]
    files = {**_files("mono/backend", "backend"), **_files("mono/admin", "admin")}
    session = await workspace({"mono": {"apps": apps}}, files)
    with pytest.raises(JsonRpcException, match="several apps"):
        await session.command("failsafe-flask.start", {"workspaceFolder": session.uri("mono")})
    first = await _start(session, "backend")
    # As VS Code sends it: the app's id with its workspace folder (the entry's root wins).
    mono = {"workspaceFolder": str(session.root / "mono")}
    second = await _start(session, {**mono, "appId": session.uri("mono") + "#admin"})
    assert first["appId"] == session.uri("mono") + "#backend" and second["name"] == "admin"
    assert first["folder"] == second["folder"] == session.uri("mono")
    assert await session.get("/", backend) == (200, "backend")
    assert await session.get("/", admin) == (200, "admin")

    # A change below admin/ restarts admin alone: each app's root is its own.
    mark = session.mark()
    session.save("mono/admin/app.py", _app("admin 2"))
    await _state(session, second["appId"], "running", mark)
    assert await session.get("/", admin) == (200, "admin 2")
    assert (await session.command("failsafe-flask.status", "backend"))["restarts"] == 0

    restarted = await session.command("failsafe-flask.restart", "backend")
    assert restarted["appId"] == first["appId"]
    await session.command("failsafe-flask.stop", "backend")
    assert _closed(backend) and await session.get("/", admin) == (200, "admin 2")


async def test_a_removed_folder_stops_its_app_alone(workspace: Open) -> None:
    api_port, admin_port = free_port(), free_port()
    folders = {"api": {"port": api_port}, "admin": {"port": admin_port}}
    session = await workspace(folders, {**_files("api", "api"), **_files("admin", "admin")})
    await _start(session, "api")
    admin = await _start(session, "admin")
    mark = session.mark()
    gone = lsp.WorkspaceFolder(admin["folder"], "admin")
    event = lsp.WorkspaceFoldersChangeEvent(added=[], removed=[gone])
    params = lsp.DidChangeWorkspaceFoldersParams(event=event)
    session.client.workspace_did_change_workspace_folders(params)
    await _state(session, admin["appId"], "stopped", mark)
    assert _closed(admin_port) and await session.get("/", api_port) == (200, "api")
    # One app left: commands without an argument act on it.
    assert (await session.command("failsafe-flask.status"))["appId"] == session.uri("api")
