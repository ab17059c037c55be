"""`failsafe-flask run` as a user runs it: its lines, its exit codes, its clean-up."""

from __future__ import annotations

import os
import re
import signal
import socket
import textwrap
from pathlib import Path

import pytest

from integration.supervisor_harness import get, write
from system import descendants, free_port, group_members, port_is_free, wait_until

APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version 1"
"""


def test_error_printed_once_with_its_location_then_recovered(tmp_path: Path, terminals) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"app.py": APP, "views.py": "x = 1\n"})
    port = free_port()
    term = terminals(tmp_path, "--port", str(port))
    term.expect("Running: serving on")
    write(
        tmp_path,
        {"app.py": textwrap.dedent(APP) + "import views\n", "views.py": "x = 1\ny = undefined\n"},
    )
    line = term.expect("The app failed to load")
    assert "at views.py:2;" in line
    assert get(f"http://127.0.0.1:{port}/").status == 500
    write(tmp_path, {"views.py": "x = 1\n"})
    term.expect("Recovered: serving on")
    assert term.count("NameError: name 'undefined' is not defined") == 1
    assert get(f"http://127.0.0.1:{port}/").body == "version 1"


def test_ctrl_c_stops_everything_cleanly(tmp_path: Path, terminals) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"app.py": APP})
    port = free_port()
    term = terminals(tmp_path, "--port", str(port))
    term.expect("Running: serving on")
    os.killpg(term.proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl+C
    assert term.wait() == 0
    assert "Stopped." in term.output()
    wait_until(lambda: not group_members(term.proc.pid), "the app's process group is gone")
    assert port_is_free(port)


def test_sigkill_of_the_supervisor_leaves_no_app_and_frees_the_port(
    tmp_path: Path, terminals
) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"app.py": APP})
    port = free_port()
    term = terminals(tmp_path, "--port", str(port))
    term.expect("Running: serving on")
    app_groups = {pid for pid in descendants(term.proc.pid)}
    assert app_groups, "the app process should be running"
    os.kill(term.proc.pid, signal.SIGKILL)  # only the supervisor: the app must notice alone
    term.proc.wait(30)
    wait_until(lambda: not any(group_members(pgid) for pgid in app_groups), "app processes gone")
    wait_until(lambda: port_is_free(port), "port free")


def test_no_app_found_says_what_was_tried(tmp_path: Path, terminals) -> None:  # type: ignore[no-untyped-def]
    term = terminals(tmp_path, "--port", str(free_port()))
    assert term.wait() == 2
    out = term.output()
    assert (
        "No Flask app found" in out and "wsgi.py" in out and "app.py" in out and "FLASK_APP" in out
    )


def test_port_in_use_names_the_port_and_the_process(tmp_path: Path, terminals) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"app.py": APP})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        term = terminals(tmp_path, "--port", str(port))
        assert term.wait() == 1
    out = term.output()
    assert f"Port {port} on 127.0.0.1 is already in use by pid {os.getpid()}" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "http"], "is not a port number"),
        (["--port", "70000"], "is not a port number"),
        (["--bogus"], "No such option"),
    ],
)
def test_invalid_options_exit_with_usage(
    tmp_path: Path, terminals, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"app.py": APP})
    term = terminals(tmp_path, *args)
    assert term.wait() == 2
    assert message in term.output()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_the_app_process_can_be_stopped_by_signals(tmp_path: Path, terminals) -> None:  # type: ignore[no-untyped-def]
    """The first app process is started while the terminal holds Ctrl+C and SIGTERM
    (supervisor.headstart), and a blocked mask is inherited."""
    write(tmp_path, {"app.py": APP})
    term = terminals(tmp_path, "--port", str(free_port()))
    term.expect("Running: serving on")
    stops = 1 << (signal.SIGINT - 1) | 1 << (signal.SIGTERM - 1)
    processes = descendants(term.proc.pid)
    assert processes
    for pid in processes:
        status = Path(f"/proc/{pid}/status").read_text()
        blocked = int(re.search(r"SigBlk:\s*([0-9a-f]+)", status).group(1), 16)  # type: ignore[union-attr]
        assert not blocked & stops, f"process {pid} blocks SIGINT or SIGTERM"
