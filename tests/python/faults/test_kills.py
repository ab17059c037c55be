"""Killing what runs the app, and a port already taken: nothing left behind."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from pathlib import Path

import pytest

from failsafe_flask.config import AppConfig
from failsafe_flask.supervisor.core import StartError, Supervisor
from integration.cli_harness import Terminal
from integration.supervisor_harness import free_port, write
from lsp.conftest import SessionFactory
from system import descendants, group_members, port_is_free

# An app with a subprocess of its own: it must go too.
APP = """
import subprocess, sys
from flask import Flask
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
app = Flask(__name__)

@app.route("/")
def index():
    return "hello"
"""

GONE_WITHIN = 1.0  # the promise: within a second no app is left, the port is free


async def _gone_within(pgids: list[int], port: int, seconds: float) -> float:
    """Seconds until every group is empty and the port is free; fails past ``seconds``."""
    start = time.monotonic()
    while any(group_members(pgid) for pgid in pgids) or not port_is_free(port):
        if time.monotonic() - start > seconds:
            left = {pgid: group_members(pgid) for pgid in pgids}
            raise AssertionError(f"after {seconds}s: groups {left}, port free {port_is_free(port)}")
        await asyncio.sleep(0.01)
    return time.monotonic() - start


async def test_sigkill_of_the_language_server_leaves_no_app_and_frees_the_port(
    lsp_session: SessionFactory,
) -> None:
    session = await lsp_session(files={"app.py": APP})
    mark = session.mark()
    await session.command("failsafe-flask.start")
    status = await session.state("running", after=mark)
    server = session.client._server
    assert server is not None
    groups = sorted(
        {
            int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[2])
            for p in descendants(server.pid)
        }
    )
    assert status["pid"] in groups and len(group_members(status["pid"])) == 2
    server.kill()  # SIGKILL: no handler, no finally, no shutdown
    await asyncio.wait_for(server.wait(), 15)
    session.closed = True
    took = await _gone_within(groups, session.port, GONE_WITHIN)
    print(f"language server SIGKILLed: app group gone, port free in {took * 1000:.0f} ms")


def test_sigkill_of_the_terminal_supervisor_leaves_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    port = free_port()
    term = Terminal(tmp_path, "--port", str(port))
    try:
        term.expect("Running: serving on")
        groups = {
            int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[2])
            for p in descendants(term.proc.pid)
        } - {term.proc.pid}
        assert groups
        os.kill(term.proc.pid, signal.SIGKILL)  # only the supervisor: the app must notice
        term.proc.wait(15)
        asyncio.run(_gone_within(sorted(groups), port, GONE_WITHIN))
    finally:
        term.kill_group()


async def test_a_port_taken_at_start_names_the_port_and_starts_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    events: list[object] = []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        supervisor = Supervisor(AppConfig(project_root=tmp_path, port=port), events.append)
        before = set(descendants())
        with pytest.raises(StartError, match=f"Port {port} on 127.0.0.1 is already in use"):
            await supervisor.start()
        assert set(descendants()) == before  # no app process, no preloader
        assert supervisor._watcher is None and supervisor._loop_task is None  # no watcher
        assert supervisor.status.state.value == "stopped" and events == []
    # Once the port is free, the same supervisor starts.
    await supervisor.start()
    try:
        assert supervisor.status.pid is not None
    finally:
        await supervisor.stop()
