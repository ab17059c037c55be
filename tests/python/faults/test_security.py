"""Who can reach what: the app's address, the debugger, the event channel, secrets."""

from __future__ import annotations

import os
import re
import subprocess
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from failsafe_flask.supervisor.core import ALL_INTERFACES_WARNING
from failsafe_flask.supervisor.events import AppOutput
from integration.cli_harness import Terminal
from integration.supervisor_harness import Harness, aget, free_port, write
from lsp.conftest import SessionFactory
from system import descendants, fd_targets, group_members, holders

APP = """
    import os, subprocess, sys
    from flask import Flask
    app = Flask(__name__)
    # A subprocess given every inheritable fd: the event pipe must not be one of them.
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], close_fds=False)

    @app.route("/")
    def index():
        return "hello"

    @app.route("/event-fd")
    def event_fd():
        return os.environ["FAILSAFE_FLASK_EVENT_FD"]

    @app.route("/env/<name>")
    def env(name):
        return os.environ.get(name, "unset")
"""


def _listening(pid: int) -> dict[str, str]:
    """``socket:[inode]`` -> local address, for every listening TCP socket of ``pid``."""
    mine = set(fd_targets(pid).values())
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(f"/proc/{pid}/net/{Path(table).name}").read_text().splitlines()[1:]:
            fields = line.split()
            inode = f"socket:[{fields[9]}]"
            if fields[3] == "0A" and inode in mine:
                found[inode] = fields[1]
    return found


def _unix_listeners(pid: int) -> set[str]:
    mine = set(fd_targets(pid).values())
    lines = Path(f"/proc/{pid}/net/unix").read_text().splitlines()[1:]
    # Flags 00010000 is __SO_ACCEPTCON: a listening Unix socket.
    return {f"socket:[{f[6]}]" for f in map(str.split, lines) if f[3] == "00010000"} & mine


async def test_default_address_is_loopback_and_the_only_port_is_the_apps(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": APP})
    await app.ready()
    pid = app.supervisor.status.pid
    assert pid is not None
    # 0100007F is 127.0.0.1 as /proc/net/tcp writes it (little-endian hex).
    assert list(_listening(pid).values()) == [f"0100007F:{app.port:04X}"]
    assert _unix_listeners(pid) == set()
    subprocess_pid = [p for p in group_members(pid) if p != pid]
    # Given every inheritable fd, the app's own subprocess holds the app's socket and no other.
    assert len(subprocess_pid) == 1 and _listening(subprocess_pid[0]) == _listening(pid)


async def test_the_event_pipe_is_held_by_the_app_and_the_supervisor_only(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": APP})
    await app.ready()
    pid = app.supervisor.status.pid
    assert pid is not None
    fd = int((await aget(app.url + "/event-fd")).body)
    pipe = fd_targets(pid)[fd]
    assert pipe.startswith("pipe:["), pipe  # not a socket anyone could connect to
    everyone = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    assert sorted(holders(pipe, among=everyone)) == sorted([pid, os.getpid()])
    assert len(group_members(pid)) == 2  # the app's own subprocess exists, without it
    # Another local user cannot open it through /proc either (root here gives way to
    # nobody, as a second user on the machine would be; without root, no second user).
    if os.geteuid() != 0:
        return
    attempt = subprocess.run(
        ["/bin/sh", "-c", f"echo '{{}}' > /proc/{pid}/fd/{fd}"],
        user=65534,
        group=65534,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert attempt.returncode != 0 and "Permission denied" in attempt.stderr, attempt.stderr


async def test_listening_on_all_interfaces_is_warned_about(start_app: Callable[..., Any]) -> None:
    app: Harness = await start_app({"app.py": APP}, host="0.0.0.0")
    await app.ready()
    warnings = [e for e in app.events if isinstance(e, AppOutput) and "all interfaces" in e.line]
    assert [w.line for w in warnings] == [ALL_INTERFACES_WARNING]
    assert "anyone on your network" in ALL_INTERFACES_WARNING
    assert "debugger console (PIN-protected)" in ALL_INTERFACES_WARNING
    pid = app.supervisor.status.pid
    assert pid is not None and list(_listening(pid).values()) == [f"00000000:{app.port:04X}"]


async def test_the_debugger_console_asks_for_the_pin_and_runs_nothing_without_it(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": APP})
    await app.ready()
    console = await aget(app.url + "/console")
    assert console.status == 200 and "EVALEX_TRUSTED = false" in console.body
    secret = re.search(r'SECRET = "([^"]+)"', console.body)
    assert secret is not None
    marker = app.root / "pwned"
    command = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    query = urllib.parse.urlencode(
        {"__debugger__": "yes", "cmd": command, "frm": "0", "s": secret.group(1)}
    )
    answer = await aget(f"{app.url}/console?{query}")
    assert not marker.exists() and answer.status == 404  # handed to the app, not run
    # The PIN is printed by Werkzeug in the app's own log, once, and nowhere else.
    pins = [e.line for e in app.events if isinstance(e, AppOutput) and "Debugger PIN" in e.line]
    assert len(pins) == 1 and re.fullmatch(r" \* Debugger PIN: [\d-]+", pins[0]), pins
    pin = pins[0].rsplit(" ", 1)[1]
    others = [e for e in app.events if not isinstance(e, AppOutput)]
    assert pin not in repr(others)
    environ = Path(f"/proc/{app.supervisor.status.pid}/environ").read_bytes()
    assert b"WERKZEUG_DEBUG_PIN" not in environ  # nothing turns the PIN off


SECRET_SETTING = "tok-SECRET-4711"
SECRET_FILE = "pw-SECRET-0815"


async def test_env_values_reach_the_app_and_no_log(lsp_session: SessionFactory) -> None:
    files = {"app.py": APP.replace("\n    ", "\n"), "dev.env": f"DB_PASSWORD={SECRET_FILE}\n"}
    settings = {"env": {"API_TOKEN": SECRET_SETTING}, "envFile": "dev.env"}
    session = await lsp_session(files=files, settings=settings)
    mark = session.mark()
    await session.command("failsafe-flask.start")
    await session.state("running", after=mark)
    assert await session.get("/env/API_TOKEN") == (200, SECRET_SETTING)
    assert await session.get("/env/DB_PASSWORD") == (200, SECRET_FILE)
    mark = session.mark()
    session.save("app.py", files["app.py"] + "\n")  # a restart: more log lines
    await session.state("running", after=mark)
    server = session.client._server
    assert server is not None
    said = [m.message for m in [*session.client.log_messages, *session.client.messages]]
    said += [repr(s) for s in session.statuses]
    assert said and not [m for m in said if SECRET_SETTING in m or SECRET_FILE in m]
    # The language server itself never had them in its environment.
    for pid in [server.pid]:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        assert SECRET_SETTING.encode() not in environ and SECRET_FILE.encode() not in environ
    assert descendants(server.pid)


def test_env_file_values_are_not_printed_by_the_terminal(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP, "dev.env": f"DB_PASSWORD={SECRET_FILE}\n"})
    port = free_port()
    term = Terminal(tmp_path, "--port", str(port), "--env-file", "dev.env")
    try:
        term.expect("Running: serving on")
        from integration.supervisor_harness import get

        assert get(f"http://127.0.0.1:{port}/env/DB_PASSWORD").body == SECRET_FILE
        term.expect('"GET /env/DB_PASSWORD HTTP/1.1" 200')
    finally:
        term.kill_group()
    assert SECRET_FILE not in term.output()
