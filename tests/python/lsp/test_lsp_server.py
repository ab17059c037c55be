"""End to end: the real `failsafe-flask lsp` over stdio, real apps on free ports."""

from __future__ import annotations

import time
from typing import Any

from lsprotocol import types as lsp

from .conftest import Session, SessionFactory, neovim_capabilities, port_is_free

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
    }
    # VS Code-like client: file events registered dynamically, progress shown.
    assert [r.method for r in session.registrations] == ["workspace/didChangeWatchedFiles"]
    kinds = [type(v).__name__ for vs in session.client.progress_reports.values() for v in vs]
    assert kinds[:2] == ["WorkDoneProgressBegin", "WorkDoneProgressEnd"]
