"""The failsafe core end to end: a real Supervisor, real app processes, real sockets."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from failsafe_flask.supervisor.events import AppReady, AppRequestError, State, StatusChanged
from integration.supervisor_harness import Harness, aget, get

APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version 1"
"""

FACTORY = """
    from flask import Flask

    def create_app():
        app = Flask(__name__)
        from . import views
        app.register_blueprint(views.bp)
        return app
"""

VIEWS = """
    from flask import Blueprint
    bp = Blueprint("views", __name__)

    @bp.route("/")
    def index():
        return "views 1"

    @bp.route("/boom")
    def boom():
        return 1 / 0
"""

StartApp = Callable[..., "asyncio.Future[Harness]"]


async def test_valid_save_serves_the_new_code_on_the_same_port(start_app: StartApp) -> None:
    app = await start_app({"app.py": APP})
    await app.ready()
    assert (await aget(app.url)).body == "version 1"
    mark = await app.save({"app.py": APP.replace("version 1", "version 2")})
    await app.ready(mark)
    assert (await aget(app.url)).body == "version 2"
    assert app.supervisor.status.state == State.RUNNING
    assert app.supervisor.status.restarts == 1


@pytest.mark.parametrize(
    ("broken", "error_type", "line"),
    [
        ("x = (\n", "SyntaxError", 1),
        ("import no_such_module_here\n", "ModuleNotFoundError", 1),
        ("\n\nundefined_name\n", "NameError", 3),
    ],
)
async def test_broken_at_first_start_then_fixed(
    start_app: StartApp, broken: str, error_type: str, line: int
) -> None:
    app = await start_app({"app.py": broken})
    error = await app.load_error()
    assert error.error["type"] == error_type
    where = error.error["syntax"] or next(f for f in error.error["frames"] if f["project"])
    assert (where["file"], where["line"]) == (str(app.root / "app.py"), line)
    assert app.supervisor.status.state == State.FAILED
    page = await aget(app.url)
    assert page.status == 500
    assert error_type in page.body and "app.py" in page.body
    mark = await app.save({"app.py": APP})
    await app.ready(mark)
    assert (await aget(app.url)).body == "version 1"


async def test_exception_inside_create_app_points_at_the_factory(start_app: StartApp) -> None:
    factory = FACTORY.replace(
        "app = Flask(__name__)", "app = Flask(__name__)\n        raise KeyError('DATABASE_URL')"
    )
    app = await start_app({"hello/__init__.py": factory, "hello/views.py": VIEWS}, app="hello")
    error = await app.load_error()
    assert error.error["type"] == "KeyError"
    frame = [f for f in error.error["frames"] if f["project"]][-1]
    assert (frame["file"], frame["line"]) == (str(app.root / "hello" / "__init__.py"), 6)
    assert (await aget(app.url)).status == 500
    mark = await app.save({"hello/__init__.py": FACTORY})
    await app.ready(mark)
    assert (await aget(app.url)).body == "views 1"


@pytest.mark.parametrize("target", ["hello/views.py", "app.py"])
async def test_a_later_broken_save_in_a_module_or_the_entry_script(
    start_app: StartApp, target: str
) -> None:
    files = {
        "app.py": "from hello import create_app\napp = create_app()\n",
        "hello/__init__.py": FACTORY,
        "hello/views.py": VIEWS,
    }
    app = await start_app(files)
    await app.ready()
    mark = await app.save({target: files[target] + "\ndef broken(:\n"})
    error = await app.load_error(mark)
    assert error.error["syntax"] is not None
    assert error.error["syntax"]["file"] == str(app.root / target)
    assert (await aget(app.url)).status == 500
    mark = await app.save({target: files[target]})
    await app.ready(mark)
    assert (await aget(app.url)).body == "views 1"


async def test_a_never_imported_module_with_a_syntax_error_triggers_a_restart(
    start_app: StartApp,
) -> None:
    app = await start_app({"app.py": APP})
    await app.ready()
    # Written behind the editor's back: the native watcher has to see it.
    mark = await app.save({"scripts_unused.py": "def broken(:\n"}, via_editor=False)
    await app.state(State.RESTARTING, mark)
    await app.ready(mark)


async def test_a_non_python_file_named_in_the_traceback_triggers_a_restart(
    start_app: StartApp,
) -> None:
    source = (
        'from flask import Flask\napp = Flask(__name__)\napp.config.from_pyfile("settings.cfg")\n'
    )
    app = await start_app({"app.py": source, "settings.cfg": "GREETING = (\n"})
    error = await app.load_error()
    assert str(app.root / "settings.cfg") in _named_files(error.error)
    mark = await app.save({"settings.cfg": "GREETING = 'hi'\n"})
    await app.ready(mark)


def _named_files(info: dict) -> set[str]:  # type: ignore[type-arg]
    files = {f["file"] for f in info["frames"]} | set(info["paths"])
    if info["syntax"]:
        files.add(info["syntax"]["file"])
    return files


async def test_a_request_error_is_reported_with_its_request(start_app: StartApp) -> None:
    app = await start_app(
        {"hello/__init__.py": FACTORY, "hello/views.py": VIEWS}, app="hello:create_app()"
    )
    await app.ready()
    mark = app.mark()
    assert (await aget(app.url + "/boom?x=1")).status == 500
    event = await app.wait(lambda e: isinstance(e, AppRequestError), mark)
    assert isinstance(event, AppRequestError)
    assert (event.method, event.path) == ("GET", "/boom?x=1")
    assert event.error["type"] == "ZeroDivisionError"
    frame = [f for f in event.error["frames"] if f["project"]][-1]
    assert (frame["file"], frame["line"]) == (str(app.root / "hello" / "views.py"), 11)
    assert app.supervisor.status.errors == 1


async def test_a_missing_module_is_an_app_error_and_creating_it_brings_the_app_up(
    start_app: StartApp,
) -> None:
    app = await start_app({}, app="later")
    error = await app.load_error()
    assert "later" in error.error["message"]
    mark = await app.save({"later.py": APP})
    await app.ready(mark)
    assert (await aget(app.url)).body == "version 1"


async def test_port_stays_bound_and_no_request_is_refused_across_ten_restarts(
    start_app: StartApp,
) -> None:
    app = await start_app({"app.py": APP})
    await app.ready()
    failures: list[BaseException] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                assert get(app.url).status == 200
            except BaseException as exc:
                failures.append(exc)

    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        for n in range(2, 12):
            mark = await app.save({"app.py": APP.replace("version 1", f"version {n}")})
            await app.ready(mark)
            _assert_listening(app.port)
    finally:
        stop.set()
        await asyncio.to_thread(worker.join)
    assert failures == []
    assert (await aget(app.url)).body == "version 11"
    assert app.supervisor.status.restarts == 10


def _assert_listening(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


async def test_a_burst_of_saves_is_one_restart(start_app: StartApp) -> None:
    app = await start_app({"app.py": APP, **{f"m{i}.py": "" for i in range(50)}})
    await app.ready()
    # Like a `git checkout`: written behind the editor's back, seen by the watcher.
    mark = await app.save({f"m{i}.py": "x = 1\n" for i in range(50)}, via_editor=False)
    await app.ready(mark)
    # An editor save afterwards: the watcher reports it too, which must not count twice.
    mark = await app.save({"app.py": APP.replace("version 1", "version 2")})
    await app.ready(mark)
    assert (await aget(app.url)).body == "version 2"
    assert app.supervisor.status.restarts == 2


async def test_excluded_and_irrelevant_files_do_not_restart(start_app: StartApp) -> None:
    app = await start_app({"app.py": APP})
    await app.ready()
    mark = await app.save(
        {
            ".venv/lib/site-packages/x.py": "",
            "node_modules/a.py": "",
            "notes.txt": "",
            "static/a.css": "",
        }
    )
    # A relevant save afterwards proves the earlier ones were seen and ignored.
    await app.save({"app.py": APP.replace("version 1", "version 2")})
    await app.ready(mark)
    assert app.supervisor.status.restarts == 1


async def test_stop_frees_the_port_and_ends_the_app(start_app: StartApp) -> None:
    app = await start_app({"app.py": APP})
    ready = await app.ready()
    pid = app.supervisor.status.pid
    assert pid is not None and isinstance(ready, AppReady)
    await app.supervisor.stop()
    assert app.supervisor.status.state == State.STOPPED
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", app.port))  # free again


async def test_settings_change_moves_the_app_to_a_new_port(
    start_app: StartApp, tmp_path: Path
) -> None:
    import dataclasses

    from integration.supervisor_harness import free_port

    app = await start_app({"app.py": APP})
    await app.ready()
    old_port, new_port = app.port, free_port()
    mark = app.mark()
    await app.supervisor.reconfigure(dataclasses.replace(app.config, port=new_port))
    await app.ready(mark)
    assert get(f"http://127.0.0.1:{new_port}/").body == "version 1"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", old_port))
    states = [e.status.state for e in app.events[mark:] if isinstance(e, StatusChanged)]
    assert State.STOPPED not in states  # a status bar must not flicker to stopped
    assert app.supervisor.status.url == f"http://127.0.0.1:{new_port}/"


async def test_a_port_that_cannot_be_had_leaves_the_app_where_it_was(start_app: StartApp) -> None:
    import dataclasses

    from failsafe_flask.supervisor.core import StartError

    app = await start_app({"app.py": APP})
    await app.ready()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartError, match=f"Port {port} on 127.0.0.1 is already in use"):
            await app.supervisor.reconfigure(dataclasses.replace(app.config, port=port))
    assert app.supervisor.config.port == app.port
    assert app.supervisor.status.state == State.RUNNING
    assert (await aget(app.url)).body == "version 1"


async def test_a_failed_app_keeps_its_url_since_the_error_page_is_served(
    start_app: StartApp,
) -> None:
    app = await start_app({"app.py": "x = (\n"})
    await app.load_error()
    assert app.supervisor.status.state == State.FAILED
    assert app.supervisor.status.url == app.url + "/"


ENV_APP = """
    import os
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return os.environ.get("GREETING", "unset")
"""


async def test_env_file_reaches_the_app_and_a_missing_one_is_an_error_until_created(
    start_app: StartApp,
) -> None:
    app = await start_app({"app.py": ENV_APP}, env_file="dev.env")
    error = await app.load_error()
    assert str(app.root / "dev.env") in error.error["paths"]
    mark = await app.save(
        {"dev.env": "# settings\nexport GREETING='hello there'\n"}, via_editor=False
    )
    await app.ready(mark)
    assert (await aget(app.url)).body == "hello there"


async def test_without_watchfiles_editor_saves_still_restart(
    start_app: StartApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from failsafe_flask.supervisor.events import AppOutput

    monkeypatch.setitem(sys.modules, "watchfiles", None)  # as in the extension's bundle
    app = await start_app({"app.py": APP})
    await app.ready()
    await app.wait(lambda e: isinstance(e, AppOutput) and "watchfiles is not installed" in e.line)
    mark = await app.save({"app.py": APP.replace("version 1", "version 2")})
    await app.ready(mark)
    assert (await aget(app.url)).body == "version 2"
