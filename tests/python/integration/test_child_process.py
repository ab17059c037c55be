"""The app process end to end: real interpreter, real socket, real pipes, real HTTP."""

from __future__ import annotations

import os
import signal
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from integration.child_harness import DEADLINE, Child, is_alive, spawn_child, wait_until

Spawn = Callable[..., Child]

HELLO = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "hello"

    @app.route("/boom")
    def boom():
        return 1 / 0
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    return root


@pytest.fixture
def spawn(project: Path) -> Iterator[Spawn]:
    """spawn(files, *args, debug=True) -> a running app process, group-killed at the end."""
    children: list[Child] = []

    def start(files: dict[str, str], *args: str, debug: bool = True) -> Child:
        for name, text in files.items():
            path = project / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        child = spawn_child(project, list(args), debug=debug)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()


def load_error(child: Child) -> dict[str, Any]:
    loading, failed = child.expect("loading", "load_error")
    assert failed["pid"] == loading["pid"] == child.proc.pid
    return failed


def project_frames(error: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (Path(f["file"]).name, f["line"], f["function"]) for f in error["frames"] if f["project"]
    ]


def test_app_py_is_discovered_and_served(spawn: Spawn, project: Path) -> None:
    child = spawn({"app.py": HELLO})
    loading, ready = child.expect("loading", "ready")
    assert loading == {"event": "loading", "pid": child.proc.pid, "app": ""}
    assert ready["url"] == f"http://127.0.0.1:{child.port}/"
    assert ready["files"] == [str(project / "app.py")]
    assert {"flask", "werkzeug", "jinja2"} <= set(ready["packages"])
    assert "failsafe_flask" not in ready["packages"] and "os" not in ready["packages"]
    answer = child.get("/")
    assert (answer.status, answer.body) == (200, "hello")


def test_factory_is_discovered(spawn: Spawn) -> None:
    factory = """
        from flask import Flask

        def create_app():
            app = Flask(__name__)
            app.add_url_rule("/", "index", lambda: "from factory")
            return app
    """
    child = spawn({"app.py": factory})
    child.expect("loading", "ready")
    assert child.get("/").body == "from factory"


def test_factory_call_with_arguments_in_a_package(spawn: Spawn, project: Path) -> None:
    package = """
        from flask import Flask
        from . import views

        def create_app(env):
            app = Flask(__name__)
            app.add_url_rule("/", "index", lambda: views.greet(env))
            return app
    """
    files = {"pkg/__init__.py": package, "pkg/views.py": "def greet(env):\n    return env\n"}
    child = spawn(files, "--app", "pkg:create_app('dev')")
    loading, ready = child.expect("loading", "ready")
    assert loading["app"] == "pkg:create_app('dev')"
    assert ready["files"] == [
        str(project / "pkg" / "__init__.py"),
        str(project / "pkg" / "views.py"),
    ]
    assert child.get("/").body == "dev"


def test_script_with_unguarded_app_run_does_not_block(spawn: Spawn) -> None:
    script = HELLO + '\n    app.run(host="127.0.0.1", port=1, debug=True)\n    print("after run")\n'
    child = spawn({"app.py": script}, "--app", "app.py")
    child.expect("loading", "ready")
    assert child.get("/").body == "hello"
    child.wait_stderr("after run")


def test_syntax_error_reports_range_and_serves_the_error_page(spawn: Spawn, project: Path) -> None:
    child = spawn({"app.py": 'from flask import Flask\napp = Flask(__name__)\nx = "é" + )\n'})
    failed = load_error(child)
    error = failed["error"]
    assert error["type"] == "SyntaxError" and error["message"].startswith("unmatched ')'")
    app_py = str(project / "app.py")
    assert error["syntax"] == {
        "file": app_py, "line": 3, "col": 10, "end_line": 3, "end_col": 10, "text": 'x = "é" + )'
    }  # fmt: skip
    assert error["paths"] == [app_py]
    assert failed["entry"] == app_py
    page = child.get("/any/path?q=1")
    assert page.status == 500
    assert page.headers["X-Failsafe-Flask"] == "load-error"
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Failsafe Flask: app failed to load" in page.body
    assert "SyntaxError: unmatched &#x27;)&#x27;" in page.body
    assert f"File &quot;{app_py}&quot;, line 3" in page.body
    poll = child.get("/any/path", headers={"X-Failsafe-Flask-Poll": "1"})
    assert poll.status == 500 and poll.headers["X-Failsafe-Flask"] == "load-error"
    # The front ends print it once, from the event; the app process itself stays quiet.
    assert "SyntaxError: unmatched ')'" not in child.stderr()


def test_name_error_in_an_imported_module(spawn: Spawn, project: Path) -> None:
    models = "import os\n\nTABLES = [undefined_table]\n"
    child = spawn(
        {
            "app.py": "import models\nfrom flask import Flask\napp = Flask(__name__)\n",
            "models.py": models,
        }
    )
    failed = load_error(child)
    error = failed["error"]
    assert (error["type"], error["message"]) == (
        "NameError",
        "name 'undefined_table' is not defined",
    )
    assert project_frames(error) == [("app.py", 1, "<module>"), ("models.py", 3, "<module>")]
    deepest = error["frames"][-1]
    assert (deepest["col"], deepest["end_col"], deepest["text"]) == (
        10,
        25,
        "TABLES = [undefined_table]",
    )
    assert failed["entry"] == str(project / "app.py")
    assert child.get("/").status == 500


def test_import_error_inside_the_app_is_the_real_error(spawn: Spawn) -> None:
    child = spawn({"app.py": "from flask import Flask\nimport not_installed_xyz\n"})
    error = load_error(child)["error"]
    assert error["type"] == "ModuleNotFoundError"
    assert error["message"] == "No module named 'not_installed_xyz'"
    assert project_frames(error) == [("app.py", 2, "<module>")]


def test_exception_inside_create_app(spawn: Spawn) -> None:
    factory = """
        from flask import Flask

        def create_app():
            app = Flask(__name__)
            raise RuntimeError("database is down")
    """
    error = load_error(spawn({"app.py": factory}))["error"]
    assert (error["type"], error["message"]) == ("RuntimeError", "database is down")
    assert project_frames(error) == [("app.py", 6, "create_app")]


def test_missing_module_is_a_clear_load_error(spawn: Spawn, project: Path) -> None:
    child = spawn({}, "--app", "nosuch")
    failed = load_error(child)
    error = failed["error"]
    assert error["type"] == "flask.cli.NoAppException"
    assert error["message"].startswith("Could not import 'nosuch'.")
    assert (
        f"Tried: app 'nosuch' (from --app or FLASK_APP), working directory {project}"
        in (error["message"])
    )
    assert failed["entry"] == "" and failed["files"] == []
    assert child.get("/").status == 500


def test_nothing_to_discover_says_what_was_looked_for(spawn: Spawn) -> None:
    error = load_error(spawn({"README.md": "nothing here"}))["error"]
    assert error["type"] == "flask.cli.NoAppException"
    assert "looked for 'wsgi.py' then 'app.py'" in error["message"]


@pytest.mark.parametrize("debug", [True, False])
def test_request_error_is_reported(spawn: Spawn, debug: bool) -> None:
    child = spawn({"app.py": HELLO}, debug=debug)
    child.expect("loading", "ready", "imports")  # imports: for incremental restarts
    assert child.get("/boom?x=1&y=%C3%A9").status == 500
    started = child.next_event()  # so that a death can name the request it was serving
    assert (started["event"], started["method"]) == ("request_started", "GET")
    assert started["path"] == "/boom?x=1&y=%C3%A9"
    event = child.next_event()
    assert (event["event"], event["method"], event["path"]) == (
        "request_error",
        "GET",
        "/boom?x=1&y=%C3%A9",
    )
    assert event["error"]["type"] == "ZeroDivisionError"
    assert project_frames(event["error"]) == [("app.py", 11, "boom")]
    ended = child.next_event()
    assert (ended["event"], ended["id"]) == ("request_ended", started["id"])
    assert child.get("/").body == "hello"  # still serving
    child.wait_stderr("ZeroDivisionError: division by zero")


def test_debugger_pin_is_printed_in_debug_mode(spawn: Spawn) -> None:
    child = spawn({"app.py": HELLO}, debug=True)
    child.expect("loading", "ready")
    child.wait_stderr("Debugger PIN")


def test_closing_the_lifeline_kills_the_child_and_its_children(spawn: Spawn, project: Path) -> None:
    spawner = (
        HELLO
        + """
    import subprocess, sys
    _sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    open("grandchild.pid", "w").write(str(_sleeper.pid))
    """
    )
    child = spawn({"app.py": spawner})
    child.expect("loading", "ready")
    grandchild = int((project / "grandchild.pid").read_text())
    assert is_alive(grandchild)
    child.close_lifeline()
    wait_until(lambda: child.proc.poll() is not None, what="app process exit")
    wait_until(lambda: not is_alive(grandchild), what="grandchild exit")


def test_sigterm_finishes_the_accepted_request_then_exits(spawn: Spawn, project: Path) -> None:
    slow = (
        HELLO
        + """
    import pathlib, time

    @app.route("/slow")
    def slow():
        pathlib.Path("started").touch()
        time.sleep(0.5)  # the app under test is slow; the test itself waits on "started"
        return "finished"
    """
    )
    child = spawn({"app.py": slow}, debug=False)
    child.expect("loading", "ready")
    answers: list[str] = []
    client = threading.Thread(target=lambda: answers.append(child.get("/slow").body))
    client.start()
    wait_until((project / "started").exists, what="the slow request to start")
    os.kill(child.proc.pid, signal.SIGTERM)
    client.join(timeout=DEADLINE)
    assert answers == ["finished"]
    wait_until(lambda: child.proc.poll() is not None, what="app process exit")
    assert child.proc.returncode == 0
