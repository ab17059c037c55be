"""Every interface, however spelled, is warned about and shown as a URL a browser opens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from failsafe_flask.protocol import display_url
from failsafe_flask.supervisor.core import ALL_INTERFACES_WARNING
from failsafe_flask.supervisor.events import AppOutput
from integration.cli_harness import Terminal
from integration.supervisor_harness import Harness, aget, free_port, write
from system import fd_targets

APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "hello"
"""
# Spelling -> the URL shown: the wildcard's own loopback.
SPELLINGS = {
    "0": "127.0.0.1",
    "0x0": "127.0.0.1",
    "000.000.000.000": "127.0.0.1",
    "::0": "[::1]",
    "0:0:0:0:0:0:0:0": "[::1]",
}


def _listening_addresses(pid: int, port: int) -> list[str]:
    """The local address (hex, as /proc writes it) of each socket ``pid`` listens on."""
    mine = set(fd_targets(pid).values())
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and f"socket:[{fields[9]}]" in mine and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_display_url_opens_the_loopback_for_every_spelling_and_keeps_names() -> None:
    for host, shown in SPELLINGS.items():
        assert display_url(host, 5000) == f"http://{shown}:5000/", host
    assert display_url("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert display_url("::", 80) == "http://[::1]:80/"
    assert display_url("127.1", 80) == "http://127.0.0.1:80/"
    assert display_url("localhost", 80) == "http://localhost:80/"  # no name is looked up
    assert display_url("::1", 80) == "http://[::1]:80/"


@pytest.mark.parametrize("host", list(SPELLINGS))
async def test_every_spelling_of_all_interfaces_is_warned_about_and_shown_openable(
    start_app: Callable[..., Any], host: str
) -> None:
    app: Harness = await start_app({"app.py": APP}, host=host)
    ready = await app.ready()
    warnings = [e.line for e in app.events if isinstance(e, AppOutput) and "interfaces" in e.line]
    assert warnings == [ALL_INTERFACES_WARNING]
    pid = app.supervisor.status.pid
    assert pid is not None
    assert [set(a) for a in _listening_addresses(pid, app.port)] == [{"0"}]  # every interface
    url = f"http://{SPELLINGS[host]}:{app.port}/"
    assert ready.url == url and app.supervisor.status.url == url
    answer = await aget(url)
    assert (answer.status, answer.body) == (200, "hello")


async def test_a_loopback_host_gets_no_warning(start_app: Callable[..., Any]) -> None:
    app: Harness = await start_app({"app.py": APP}, host="127.000.000.001")
    ready = await app.ready()
    assert ready.url == f"http://127.0.0.1:{app.port}/"
    assert not [e for e in app.events if isinstance(e, AppOutput) and "interfaces" in e.line]


def test_the_terminal_warns_about_host_0_and_shows_the_loopback(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    port = free_port()
    term = Terminal(tmp_path, "--host", "0", "--port", str(port))
    try:
        term.expect("all interfaces")
        line = term.expect("Running: serving on")
    finally:
        term.kill_group()
    assert line == f" * Running: serving on http://127.0.0.1:{port}/"
    assert term.lines[0] == ALL_INTERFACES_WARNING
