"""End to end: the real `failsafe-flask lsp` over stdio, real apps on free ports."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from .conftest import Session, SessionFactory, free_port, neovim_capabilities, port_is_free

HELLO = """from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "hello"
"""


async def _running(session: Session, *args: Any) -> dict[str, Any]:
    mark = session.mark()
    await session.command("failsafe-flask.start", *args)
    return await session.state("running", after=mark)


async def test_start_serves_and_reports_running(lsp_session: SessionFactory) -> None:
    session = await lsp_session(files={"app.py": HELLO})
    status = await _running(session)
    assert status["url"] == f"http://127.0.0.1:{session.port}/"
    assert isinstance(status["pid"], int) and status["errors"] == 0
    assert await session.get("/") == (200, "hello")
    payload = await session.command("failsafe-flask.status")
    assert payload["state"] == "running" and set(payload) == {
        "state",
        "url",
        "pid",
        "restarts",
        "lastRestartMs",
        "errors",
        "message",
        "app",
        "debugpy",
        "appId",
        "name",
        "folder",
    }
    assert payload["app"] == "app.py"  # what discovery found
    assert payload["debugpy"] is None  # started, not debugged
    # The one app is the workspace folder: its id is the folder's URI.
    assert payload["appId"] == payload["folder"] == session.uri("").rstrip("/")
    assert payload["name"] == "p"
    # VS Code-like client: file events registered dynamically, progress shown.
    assert [r.method for r in session.registrations] == ["workspace/didChangeWatchedFiles"]
    kinds = [type(v).__name__ for vs in session.client.progress_reports.values() for v in vs]
    assert kinds[:2] == ["WorkDoneProgressBegin", "WorkDoneProgressEnd"]


def _errors(session: Session, name: str) -> list[lsp.Diagnostic]:
    return [d for d in session.diagnostics.get(session.uri(name), []) if d.severity == 1]


def _rng(r: lsp.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


async def test_syntax_error_on_save_then_fix(lsp_session: SessionFactory) -> None:
    session = await lsp_session(files={"app.py": HELLO})
    await _running(session)
    broken = HELLO.replace('return "hello"', 'return "hello" +* 2')
    try:
        compile(broken, "app.py", "exec")
    except SyntaxError as exc:  # the range Python itself gives (the line is ASCII)
        assert exc.lineno and exc.offset and exc.end_offset
        expected = (exc.lineno - 1, exc.offset - 1, exc.lineno - 1, exc.end_offset - 1)
    saved = time.monotonic()
    session.save("app.py", broken)
    [error] = await session.until(lambda: _errors(session, "app.py"), "the SyntaxError")
    session.latency_ms = (time.monotonic() - saved) * 1000  # type: ignore[attr-defined]
    print(f"didSave -> diagnostic: {session.latency_ms:.0f} ms")  # type: ignore[attr-defined]
    assert _rng(error.range) == expected
    assert error.message.startswith("SyntaxError: ") and error.source == "Failsafe Flask"
    assert (await session.get("/"))[0] == 500  # the error page, on the same port

    mark = session.mark()
    session.save("app.py", HELLO.replace('"hello"', '"fixed"'))
    await session.state("running", after=mark)
    await session.until(lambda: session.diagnostics[session.uri("app.py")] == [], "clear")
    assert await session.get("/") == (200, "fixed")


NON_ASCII = 's = "héllo 🐍"; x = undefined_name\n'


async def test_name_error_in_imported_module_non_ascii(lsp_session: SessionFactory) -> None:
    files = {"app.py": "import helper\n" + HELLO, "helper.py": "X = 1\n" + NON_ASCII}
    session = await lsp_session(files=files)
    mark = session.mark()
    await session.command("failsafe-flask.start")
    await session.state("failed", after=mark)
    [error] = await session.until(lambda: _errors(session, "helper.py"), "NameError")
    col = NON_ASCII.index("undefined_name") + 1  # 🐍 is two UTF-16 code units
    assert _rng(error.range) == (1, col, 1, col + len("undefined_name"))
    assert error.message == "NameError: name 'undefined_name' is not defined"
    related = [
        (r.location.uri, r.location.range.start.line) for r in error.related_information or []
    ]
    assert (session.uri("app.py"), 0) in related
    infos = session.diagnostics[session.uri("app.py")]
    assert [(d.severity, d.range.start.line) for d in infos] == [(3, 0)]


FACTORY = """from flask import Flask


def create_app():
    app = Flask(__name__)
    settings = {}
    app.secret_key = settings["SECRET"]
    return app
"""


async def test_error_in_create_app_lands_on_its_line(lsp_session: SessionFactory) -> None:
    session = await lsp_session(files={"app.py": FACTORY})
    await session.command("failsafe-flask.start")
    [error] = await session.until(lambda: _errors(session, "app.py"), "KeyError")
    start = FACTORY.splitlines()[6].index("settings")
    assert _rng(error.range) == (6, start, 6, start + len('settings["SECRET"]'))
    assert error.message == "KeyError: 'SECRET'"


async def test_request_error_names_the_request(lsp_session: SessionFactory) -> None:
    app = HELLO + '\n\n@app.route("/boom")\ndef boom():\n    return 1 / 0\n'
    session = await lsp_session(files={"app.py": app})
    await _running(session)
    assert (await session.get("/boom"))[0] == 500
    [error] = await session.until(lambda: _errors(session, "app.py"), "request error")
    assert error.message == "ZeroDivisionError: division by zero (GET /boom)"
    assert _rng(error.range) == (12, 11, 12, 16)
    status = await session.command("failsafe-flask.status")
    assert status["errors"] == 1 and status["state"] == "running"


async def test_stop_frees_the_port_and_clears(lsp_session: SessionFactory) -> None:
    session = await lsp_session(files={"app.py": "import nope_missing_module\n"})
    await session.command("failsafe-flask.start")
    await session.until(lambda: _errors(session, "app.py"), "ModuleNotFoundError")
    payload = await session.command("failsafe-flask.stop")
    assert payload["state"] == "stopped" and payload["pid"] is None
    assert session.diagnostics[session.uri("app.py")] == []
    assert port_is_free(session.port)


async def test_stop_clears_a_request_error(lsp_session: SessionFactory) -> None:
    app = HELLO + '\n\n@app.route("/boom")\ndef boom():\n    return 1 / 0\n'
    session = await lsp_session(files={"app.py": app})
    await _running(session)
    assert (await session.get("/boom"))[0] == 500
    await session.until(lambda: _errors(session, "app.py"), "request error")
    await session.command("failsafe-flask.stop")
    await session.until(lambda: session.diagnostics[session.uri("app.py")] == [], "clear")
    status = await session.command("failsafe-flask.status")
    assert status["state"] == "stopped" and status["errors"] == 0


async def test_settings_change_restarts_on_the_new_port(lsp_session: SessionFactory) -> None:
    session = await lsp_session(files={"app.py": HELLO})
    await _running(session)
    new_port = free_port()
    session.client.set_configuration({"port": new_port}, section="failsafeFlask")
    mark = session.mark()
    params = lsp.DidChangeConfigurationParams(settings={"failsafeFlask": {"port": new_port}})
    session.client.workspace_did_change_configuration(params)
    status = await session.state("running", after=mark)
    assert status["url"] == f"http://127.0.0.1:{new_port}/"
    assert await session.get("/", port=new_port) == (200, "hello")
    assert port_is_free(session.port)


async def test_bad_input_gets_clear_errors(lsp_session: SessionFactory) -> None:
    session = await lsp_session(files={"app.py": HELLO})
    with pytest.raises(JsonRpcException, match="not defined"):
        await session.command("failsafe-flask.nope")
    with pytest.raises(JsonRpcException, match="port must be a whole number"):
        await session.command("failsafe-flask.start", {"port": "80"})
    with pytest.raises(JsonRpcException, match="unknown argument 'prot'"):
        await session.command("failsafe-flask.start", {"prot": 1})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", session.port))
        taken.listen()
        mark = session.mark()
        with pytest.raises(JsonRpcException, match="already in use"):
            await session.command("failsafe-flask.start")
    # Told once, by the answer; the status says why it is stopped, and so does the log.
    assert not [m for m in session.client.messages if "already in use" in m.message]
    assert any("already in use" in m.message for m in session.client.log_messages)
    failed = await session.state("stopped", after=mark)
    assert failed["errors"] == 1 and "already in use" in failed["message"]
    assert (await session.command("failsafe-flask.status")) == failed
    await _running(session)  # and the server still works


async def test_neovim_client_needs_nothing_vscode_specific(lsp_session: SessionFactory) -> None:
    session = await lsp_session(neovim_capabilities(), files={"app.py": HELLO})
    await _running(session)
    session.save("app.py", HELLO + "\ndef broken(:\n")
    await session.until(lambda: _errors(session, "app.py"), "the SyntaxError")
    await session.state("failed")
    assert session.registrations == [] and session.progress_creates == 0


async def test_shutdown_stops_the_app(lsp_session: SessionFactory) -> None:
    session = await lsp_session(files={"app.py": HELLO})
    status = await _running(session)
    await session.close()
    assert port_is_free(session.port)
    with pytest.raises(ProcessLookupError):
        os.kill(status["pid"], 0)


@pytest.mark.parametrize("how", ["SIGTERM", "closed stdin"])
async def test_killed_or_orphaned_server_stops_the_app(
    lsp_session: SessionFactory, how: str
) -> None:
    session = await lsp_session(files={"app.py": HELLO})
    status = await _running(session)
    server = session.client._server
    assert server is not None and server.stdin is not None
    if how == "SIGTERM":
        server.send_signal(signal.SIGTERM)
    else:
        server.stdin.close()
    await asyncio.wait_for(server.wait(), 15)
    session.closed = True  # nothing left to shut down
    assert port_is_free(session.port)
    with pytest.raises(ProcessLookupError):
        os.kill(status["pid"], 0)
