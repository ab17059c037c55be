"""Logs a person can read (issue 18 items 3 and 4): no colour codes, tracebacks at error
level and request lines at info, one line per state change, no doubled prefix, and
nothing on the server's stderr unless the client asks for a trace: not watchfiles' change
notes, not pygls's traceback for a refused command, not its complaint about the text
changes eglot sends. The real server over stdio, its stderr kept in a file.
"""

from __future__ import annotations

import socket

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from system import until

from .conftest import Session, SessionFactory

APP = """from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "hello"


@app.route("/boom")
def boom():
    raise ValueError("boom")
"""


def _logged(session: Session, fragment: str) -> list[lsp.LogMessageParams]:
    return [m for m in session.client.log_messages if fragment in m.message]


async def _quiet_run(session: Session) -> None:
    """Start, a 404 and a 500, an eglot-style change, a save, a refused move."""
    mark = session.mark()
    await session.command("failsafe-flask.start")
    await session.state("running", after=mark)
    assert (await session.get("/missing"))[0] == 404
    assert (await session.get("/boom"))[0] == 500
    doc = lsp.TextDocumentItem(uri=session.uri("app.py"), language_id="python", version=1, text=APP)
    session.client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=doc))
    start = lsp.Position(line=0, character=0)
    change = lsp.TextDocumentContentChangePartial(range=lsp.Range(start, start), text="#\n")
    versioned = lsp.VersionedTextDocumentIdentifier(uri=doc.uri, version=2)
    session.client.text_document_did_change(lsp.DidChangeTextDocumentParams(versioned, [change]))
    session.save("app.py", APP.replace('"hello"', '"again"'))
    await session.until(
        lambda: [s for s in session.statuses if s["state"] == "running" and s["restarts"]],
        "running after the save's restart",
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(JsonRpcException, match="already in use"):
            await session.command("failsafe-flask.start", {"port": taken.getsockname()[1]})
    await session.until(lambda: _logged(session, "ValueError: boom"), "the traceback")


async def test_the_log_is_plain_leveled_and_stderr_stays_empty(
    lsp_session: SessionFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    stderr = tmp_path_factory.mktemp("server") / "stderr.log"
    session = await lsp_session(files={"app.py": APP}, stderr=stderr)
    await _quiet_run(session)
    messages = session.client.log_messages
    assert not [m.message for m in messages if "\x1b" in m.message]
    [request_line] = _logged(session, '"GET /missing HTTP/1.1" 404')
    assert request_line.type == lsp.MessageType.Info
    traceback = _logged(session, "Traceback (most recent call last):")
    assert traceback and {m.type for m in traceback} == {lsp.MessageType.Error}
    assert {m.type for m in _logged(session, "ValueError: boom")} == {lsp.MessageType.Error}
    # One line per change of state: the save's restart is one line, its end another.
    told = [m.message for m in _logged(session, "Failsafe Flask: ")]
    states = [message.split()[2] for message in told]
    assert states.count("restarting") == session.statuses[-1]["restarts"] >= 1, told
    assert states.count("starting") == 1, told
    ends = [
        report.message
        for reports in session.client.progress_reports.values()
        for report in reports
        if isinstance(report, lsp.WorkDoneProgressEnd)
    ]
    assert ends and not [end for end in ends if end and end.startswith("Failsafe Flask")]
    await session.close()
    assert stderr.read_text() == ""


async def test_a_trace_asked_for_reaches_stderr(
    lsp_session: SessionFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    stderr = tmp_path_factory.mktemp("server") / "stderr.log"
    session = await lsp_session(files={"app.py": APP}, stderr=stderr)
    session.client.protocol.notify(lsp.SET_TRACE, lsp.SetTraceParams(lsp.TraceValue.Verbose))
    await session.command("failsafe-flask.status")
    await until(lambda: "Sending data" in stderr.read_text(), "pygls's message log on stderr")
