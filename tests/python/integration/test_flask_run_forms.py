"""`failsafe-flask run` and `flask failsafe` find and serve the app as `flask run` does.

Each project is named the way real ones are (.flaskenv, .env, FLASK_RUN_PORT, a module
beside an `app/` package, FLASK_DEBUG=0); what counts is what a browser gets.
"""

from __future__ import annotations

import re
import ssl
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

from integration.cli_harness import Terminal
from integration.flask_projects import DOTENV, JS_EXAMPLE, MICROBLOG, with_port
from integration.supervisor_harness import get, write
from system import free_port

FLASK = [str(Path(sys.executable).with_name("flask")), "failsafe"]  # the entry point
FRONT_ENDS = {"failsafe-flask run": None, "flask failsafe": FLASK}

Start = Callable[..., Terminal]


@pytest.fixture
def start() -> Iterator[Start]:
    started: list[Terminal] = []

    def run(root: Path, *args: str, command: list[str] | None = None) -> Terminal:
        started.append(Terminal(root, *args, command=command))
        return started[-1]

    yield run
    for terminal in started:
        terminal.kill_group()


def _served_port(term: Terminal, scheme: str = "http") -> int:
    line = term.expect("serving on")
    found = re.search(rf"{scheme}://127\.0\.0\.1:(\d+)/", line)
    assert found, line
    return int(found.group(1))


@pytest.mark.parametrize("command", FRONT_ENDS.values(), ids=FRONT_ENDS.keys())
@pytest.mark.parametrize(
    ("files", "who"),
    [(JS_EXAMPLE, "js_example"), (MICROBLOG, "microblog.py"), (DOTENV, "hello.py")],
    ids=["package-in-flaskenv", "module-beside-app-package", "dotenv"],
)
def test_the_app_and_port_that_flask_run_would_serve(
    tmp_path: Path, start: Start, command: list[str] | None, files: dict[str, str], who: str
) -> None:
    port = free_port()
    write(tmp_path, with_port(files, port))  # FLASK_RUN_PORT in .flaskenv
    term = start(tmp_path, command=command)
    assert _served_port(term) == port
    assert get(f"http://127.0.0.1:{port}/who").body.strip() == who


@pytest.mark.parametrize("command", FRONT_ENDS.values(), ids=FRONT_ENDS.keys())
def test_flask_debug_0_in_flaskenv_serves_without_the_debugger(
    tmp_path: Path, start: Start, command: list[str] | None
) -> None:
    write(tmp_path, DOTENV)
    port = free_port()
    term = start(tmp_path, "-p", str(port), command=command)
    _served_port(term)
    page = get(f"http://127.0.0.1:{port}/boom")
    assert page.status == 500 and "Internal Server Error" in page.body
    assert "Traceback" not in page.body and "debugger" not in page.body.lower()


def test_the_command_line_wins_over_the_environment_and_the_files(
    tmp_path: Path, start: Start
) -> None:
    write(tmp_path, with_port(MICROBLOG, free_port()))
    port = free_port()
    term = start(tmp_path, "--app", "app:create_app()", "--port", str(port))
    assert _served_port(term) == port
    assert get(f"http://127.0.0.1:{port}/who").body == "the app package"


def test_cert_adhoc_serves_https_on_the_inherited_socket(tmp_path: Path, start: Start) -> None:
    write(tmp_path, MICROBLOG)
    port = free_port()
    term = start(tmp_path, "--debug", "-p", str(port), "--cert", "adhoc")
    assert _served_port(term, "https") == port
    unverified = ssl._create_unverified_context()  # a self-signed certificate, as asked
    url = f"https://127.0.0.1:{port}/who"
    with urllib.request.urlopen(url, timeout=30, context=unverified) as reply:
        assert reply.read().decode() == "microblog.py"


def test_version_names_every_part(tmp_path: Path) -> None:
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "failsafe_flask", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    names = [line.split()[0] for line in out.splitlines()]
    assert names == ["failsafe-flask", "Flask", "Werkzeug", "Python"], out


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({".flaskenv": "FLASK_RUN_PORT=abc\n"}, [], "FLASK_RUN_PORT must be a whole number"),
        ({".env": "FLASK_RUN_HOST=' '\n"}, [], "FLASK_RUN_HOST must be a host name"),
        ({}, ["--cert", "adhoc", "--key", "microblog.py"], '--cert is "adhoc", --key is not used'),
        ({}, ["--cert", "microblog.py"], "needs --key"),
        ({}, ["--key", "microblog.py"], "--key (FLASK_RUN_KEY) needs --cert"),
        ({}, ["-p", "http"], "is not a port number"),
        ({}, ["--bogus"], "No such option"),
    ],
)
def test_option_and_variable_mistakes_are_one_sentence(
    tmp_path: Path, start: Start, files: dict[str, str], args: list[str], message: str
) -> None:
    write(tmp_path, {**MICROBLOG, **files})
    term = start(tmp_path, *args)
    assert term.wait() == 2
    assert message in term.output()


@pytest.mark.parametrize("name", [".env", ".flaskenv"])
def test_an_edited_dotenv_file_restarts_the_app_with_its_values(
    tmp_path: Path, start: Start, name: str
) -> None:
    app = """
        import os
        from flask import Flask

        app = Flask(__name__)


        @app.route("/")
        def index():
            return os.environ["GREETING"]
    """
    write(tmp_path, {"app.py": app, name: "GREETING=one\n"})
    port = free_port()
    term = start(tmp_path, "-p", str(port))
    _served_port(term)
    assert get(f"http://127.0.0.1:{port}/").body == "one"
    write(tmp_path, {name: "GREETING=two\n"})
    term.expect(f"{name} changed")
    term.expect("Ready in")
    assert get(f"http://127.0.0.1:{port}/").body == "two"
