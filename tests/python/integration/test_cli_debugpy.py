"""`failsafe-flask run --debugpy`: the terminal says where to attach, and a debugger
attached there stops at a breakpoint in a view."""

from __future__ import annotations

import re
import signal
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dap_client import DapClient
from integration.cli_harness import Terminals
from integration.supervisor_harness import get, write
from system import free_port

APP = """\
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    word = "hello"
    return word
"""
LINE = 9


def test_run_debugpy_says_where_and_stops_at_a_breakpoint(
    tmp_path: Path, terminals: Terminals
) -> None:
    write(tmp_path, {"app.py": APP})
    port = free_port()
    term = terminals(tmp_path, "--port", str(port), "--debugpy", "127.0.0.1:0")
    said = term.expect(" * Debugger: every app process listens on")
    match = re.search(r"on (127\.0\.0\.1):(\d+) \(debugpy\)", said)
    assert match, said
    term.expect("Running: serving on")
    client = DapClient.connect(match[1], int(match[2]))
    try:
        client.request("initialize", adapterID="cli", pathFormat="path")
        attach = client.send("attach", justMyCode=True)
        client.event("initialized")
        source = {"path": str(tmp_path / "app.py")}
        client.request("setBreakpoints", source=source, breakpoints=[{"line": LINE}])
        client.request("configurationDone")
        client.response(attach, "attach")
        with ThreadPoolExecutor(1) as pool:
            reply = pool.submit(get, f"http://127.0.0.1:{port}/")
            thread = client.event("stopped")["body"]["threadId"]
            frame = client.request("stackTrace", threadId=thread)["stackFrames"][0]
            assert (frame["name"], frame["line"]) == ("index", LINE)
            client.request("continue", threadId=thread)
            assert reply.result().body == "hello"
    finally:
        client.close()
    term.proc.send_signal(signal.SIGINT)
    assert term.wait() == 0


def test_a_wrong_debugpy_address_is_refused_by_name(tmp_path: Path, terminals: Terminals) -> None:
    write(tmp_path, {"app.py": APP})
    term = terminals(tmp_path, "--debugpy", "here:there")
    assert term.wait() == 2
    assert "Invalid value for '--debugpy': must be a whole number, got 'there'" in term.output()


def test_a_debug_port_another_program_holds_is_refused_in_one_sentence(
    tmp_path: Path, terminals: Terminals
) -> None:
    write(tmp_path, {"app.py": APP})
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        held = other.getsockname()[1]
        term = terminals(tmp_path, "--port", str(free_port()), "--debugpy", f"127.0.0.1:{held}")
        assert term.wait() != 0
    output = term.output()
    assert f"The debug port {held} on 127.0.0.1 is in use by " in output
    assert output.count("is in use") == 1  # said once: no retry loop
    assert "Traceback" not in output
