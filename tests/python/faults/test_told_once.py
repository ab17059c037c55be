"""Every failure is told once and truthfully in the terminal: the app's own last word,
else the exit code and the request in flight; never an access-log line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from faults.answer_client import request
from integration.cli_harness import Terminal
from integration.supervisor_harness import write
from system import free_port

APP = """
    import os
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version 1"

    @app.route("/crash")
    def crash():
        os._exit(1)
"""
WAITING = "Waiting for a change to try again."


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[list[Terminal]]:
    started: list[Terminal] = []
    yield started
    for term in started:
        term.kill_group()


def _run(started: list[Terminal], root: Path, *args: str) -> Terminal:
    started.append(Terminal(root, *args))
    return started[-1]


def test_a_crash_at_import_is_told_once_with_the_apps_last_word(
    tmp_path: Path, terminal: list[Terminal]
) -> None:
    write(tmp_path, {"app.py": "import os, sys\nsys.stderr.write('no database\\n')\nos._exit(3)\n"})
    port = free_port()
    term = _run(terminal, tmp_path, "--port", str(port))
    line = term.expect("exited with code 3")
    assert line == (
        " * The app process exited with code 3 while loading the app: no database. " + WAITING
    )
    assert request(port).from_supervisor  # and by then the terminal has said it once
    write(tmp_path, {"app.py": APP})
    term.expect("Recovered: serving on")
    assert term.count("exited with code") == 1 and ".." not in term.output()


def test_a_view_that_exits_is_told_by_its_request_not_by_an_access_log_line(
    tmp_path: Path, terminal: list[Terminal]
) -> None:
    write(tmp_path, {"app.py": APP})
    port = free_port()
    term = _run(terminal, tmp_path, "--port", str(port))
    term.expect("Running: serving on")
    assert request(port).body == "version 1"
    term.expect('"GET / HTTP/1.1" 200')
    request(port, "/crash")
    line = term.expect("exited with code 1")
    assert line == " * The app process exited with code 1 while serving GET /crash. " + WAITING
    assert request(port, "/").from_supervisor


def test_a_missing_interpreter_and_a_missing_folder_are_told_apart(
    tmp_path: Path, terminal: list[Terminal]
) -> None:
    write(tmp_path, {"app.py": APP})
    python = tmp_path / "gone" / "python"
    term = _run(terminal, tmp_path, "--port", str(free_port()), "--python", str(python))
    assert term.wait() == 1
    assert f"Error: Cannot run {python}: no such file." in term.output()
    assert "project folder" not in term.output()
    missing = tmp_path / "nowhere"
    term = _run(terminal, tmp_path, "--project", str(missing))
    assert term.wait() == 2
    assert f"Error: the project folder {missing} does not exist." in term.output()
    assert "Cannot run" not in term.output()
