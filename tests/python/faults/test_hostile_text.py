"""Text a web page puts in a request never reaches a terminal, a log or the editor raw."""

from __future__ import annotations

import re
import socket
import textwrap
from pathlib import Path

from failsafe_flask.text import output_line, printable
from integration.cli_harness import Terminal
from integration.supervisor_harness import free_port, write
from lsp.conftest import SessionFactory
from system import until

# Retitles the terminal, clears the screen, then begins a line of the tool's own.
HOSTILE = "/user/%1b]0;PWNED%07%1b[2J%0d%0a%20*%20Recovered:%20fake"
DECODED = "\x1b]0;PWNED\x07\x1b[2J\r\n * Recovered: fake"
APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/user/<name>")
    def user(name):
        print("hello", name, "\\u202eevil")
        raise ValueError(name)
"""
# Raw control characters (TAB aside) and the bidi overrides: none may be shown.
RAW = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _send(port: int, path: str) -> bytes:
    """The request as a browser sends it (percent-encoded); the answer's status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        return sock.makefile("rb").readline()


def test_printable_escapes_every_control_and_bidi_character() -> None:
    assert printable(DECODED) == "\\x1b]0;PWNED\\x07\\x1b[2J\\r\\n * Recovered: fake"
    assert printable("a\u202eb\u2066c\x85d\x7fe\u2028") == "a\\u202eb\\u2066c\\x85d\\x7fe\\u2028"
    assert printable("tab\tstays, é and 日本 too") == "tab\tstays, é and 日本 too"
    assert printable("one\ntwo\r", newlines=True) == "one\ntwo\\r"
    assert output_line("\x1b[33m404\x1b[0m \x1b]0;t\x07") == "404 \\x1b]0;t\\x07"
    every = "".join(map(chr, range(0x3000)))
    assert not RAW.search(printable(every)) and not RAW.search(output_line(every))


def test_the_terminal_shows_a_hostile_request_escaped_and_no_forged_line(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    port = free_port()
    term = Terminal(tmp_path, "--port", str(port))
    try:
        term.expect("Running: serving on")
        assert b" 500 " in _send(port, HOSTILE)
        # Our line, the app's print, Werkzeug's traceback and request line, in any order.
        while not (term.count("raised ValueError") and term.count('"GET /user/')):
            term.expect("")
        while term.count("   * Recovered: fake") < 2:  # the print's and the traceback's
            term.expect("")
    finally:
        term.kill_group()
    said = next(line for line in term.lines if "raised ValueError" in line)
    assert (
        said
        == " * GET /user/"
        + printable(DECODED)
        + " raised ValueError: "
        + printable(DECODED.split("\r")[0])
        + " at app.py:8"
    )
    assert not [line for line in term.lines if RAW.search(line)], term.output()
    assert [line for line in term.lines if line.startswith(" * Recovered")] == []
    # The print and the traceback hold the request's line break: what follows it is still
    # shown, but never as a line of the tool's own.
    assert "   * Recovered: fake" in term.lines, term.output()
    assert "   * Recovered: fake \\u202eevil" in term.lines, term.output()


async def test_the_editor_gets_a_hostile_request_escaped(lsp_session: SessionFactory) -> None:
    session = await lsp_session(files={"app.py": textwrap.dedent(APP)})
    await session.command("failsafe-flask.start")
    await session.state("running")
    assert b" 500 " in _send(session.port, HOSTILE)
    uri = session.uri("app.py")
    found = await session.until(lambda: session.diagnostics.get(uri), "the request's diagnostic")
    # The exception's own message keeps its line breaks in a diagnostic (a block of its
    # own); the request is one line.
    message = found[0].message
    assert message.endswith(" (GET /user/" + printable(DECODED) + ")"), message
    assert "\\x1b]0;PWNED\\x07" in message and not RAW.search(message.replace("\n", "")), message

    def logged() -> list[str]:
        return [m.message for m in session.client.log_messages if "PWNED" in m.message]

    await until(lambda: len(logged()) >= 3, "the traceback and the request line logged")
    for message in logged():
        assert not RAW.search(message), message
    assert not [m for m in session.client.log_messages if "\u202e" in m.message]
