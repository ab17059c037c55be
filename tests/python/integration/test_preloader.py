"""The preloader end to end: real Supervisor, real preloader, real forks and sockets.

Correctness, not speed. The test process is the supervisor here, so an app whose parent
is not this process was forked by the preloader.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from failsafe_flask.protocol import LayerRequest
from failsafe_flask.supervisor.events import AppExited, AppOutput
from failsafe_flask.supervisor.preload import Preloader, PreloadError
from integration.cli_harness import Terminal
from integration.supervisor_harness import Harness, aget, get, write
from system import DEADLINE, free_port, group_members, is_alive, until, wait_until

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the preloader needs fork")

StartApp = Callable[..., "asyncio.Future[Harness]"]

# A factory in a package, a module it imports, a module imported by the factory, and a
# /state route that tells the test what the process looks like from inside.
FACTORY = """
    from flask import Flask
    import helpers

    def create_app():
        app = Flask(__name__)
        from . import views
        app.register_blueprint(views.bp)
        return app
"""
VIEWS = """
    import json, os, random, sys
    from flask import Blueprint
    import helpers
    bp = Blueprint("views", __name__)
    print("views imported", flush=True)

    @bp.route("/")
    def index():
        return f"views 1 {helpers.VALUE}"

    @bp.route("/state")
    def state():
        return json.dumps({
            "pid": os.getpid(),
            "ppid": os.getppid(),
            "random": random.random(),
            "modules": sorted(sys.modules),
            "cwd": os.getcwd(),
            "path0": sys.path[0],
            "argv": sys.argv,
            "secret": os.environ.get("SECRET"),
        })

    @bp.route("/exit")
    def leave():
        os._exit(3)
"""
PROJECT = {
    "pkg/__init__.py": FACTORY,
    "pkg/views.py": VIEWS,
    "helpers.py": "VALUE = 'helpers 1'\n",
    "old_module.py": "X = 1\n",
}
APP = "pkg:create_app()"


async def state(app: Harness) -> dict[str, object]:
    reply = await aget(f"{app.url}/state")
    assert reply.status == 200, reply.body
    return dict(json.loads(reply.body))


async def restart(app: Harness, files: dict[str, str]) -> None:
    mark = await app.save(files)
    await app.ready(mark)


async def forked_state(app: Harness) -> dict[str, object]:
    """The state of a forked app: the first start spawns, the preloader is built once
    that app is ready, and the next restart waits for it if it is not built yet."""
    mark = app.mark()
    await app.supervisor.restart("test")
    await app.ready(mark)
    forked = await state(app)
    assert forked["ppid"] != os.getpid(), "a restart should fork"
    return forked


async def test_the_first_start_spawns_and_later_restarts_fork(start_app: StartApp) -> None:
    app = await start_app(PROJECT, app=APP)
    await app.ready()
    assert (await state(app))["ppid"] == os.getpid(), "the first start should not wait"
    await restart(app, {"helpers.py": "VALUE = 'helpers 2'\n"})
    first = await state(app)
    assert first["ppid"] != os.getpid(), "the preloader built meanwhile should fork"
    await restart(app, {"helpers.py": "VALUE = 'helpers 3'\n"})
    assert (await state(app))["ppid"] == first["ppid"]


async def test_a_fork_serves_the_new_code_of_every_project_module(start_app: StartApp) -> None:
    app = await start_app(PROJECT, app=APP)
    await app.ready()
    first = await forked_state(app)
    assert (await aget(app.url)).body == "views 1 helpers 1"
    await restart(app, {"helpers.py": "VALUE = 'helpers 2'\n"})
    assert (await aget(app.url)).body == "views 1 helpers 2"
    await restart(app, {"pkg/views.py": VIEWS.replace("views 1", "views 2")})
    assert (await aget(app.url)).body == "views 2 helpers 2"
    second = await state(app)
    assert second["ppid"] == first["ppid"], "the same preloader forked both"
    # The same process context as `python -m failsafe_flask.child` in the project folder.
    assert second["cwd"] == str(app.root) and second["path0"] == str(app.root)
    assert str(second["argv"][0]).endswith(os.path.join("failsafe_flask", "child", "__main__.py"))  # type: ignore[index]


async def test_no_stale_project_module_and_fresh_random_seeds(start_app: StartApp) -> None:
    app = await start_app(
        {**PROJECT, "helpers.py": "import old_module\nVALUE = 'helpers 1'\n"}, app=APP
    )
    await app.ready()
    first = await forked_state(app)
    assert "old_module" in first["modules"]  # type: ignore[operator]
    await restart(app, {"helpers.py": "VALUE = 'helpers 2'\n"})
    second = await state(app)
    assert first["ppid"] == second["ppid"] != os.getpid()
    assert "old_module" not in second["modules"]  # type: ignore[operator]
    assert "helpers" in second["modules"]  # type: ignore[operator]
    assert first["random"] != second["random"]


async def test_output_and_exit_status_of_a_fork_reach_the_supervisor(start_app: StartApp) -> None:
    app = await start_app(PROJECT, app=APP)
    await app.ready()
    mark = app.mark()
    await forked_state(app)
    await app.wait(lambda e: isinstance(e, AppOutput) and e.line == "views imported", mark)
    mark = app.mark()
    with pytest.raises(OSError):  # the connection drops: the process is gone
        await aget(f"{app.url}/exit")
    exited = await app.wait(lambda e: isinstance(e, AppExited), mark)
    assert isinstance(exited, AppExited) and exited.returncode == 3


async def test_a_changed_installed_package_rebuilds_the_preloader(
    start_app: StartApp, tmp_path_factory: pytest.TempPathFactory
) -> None:
    site = tmp_path_factory.mktemp("site")  # outside the project: third-party
    package = "import os\nVERSION = '{}'\nIMPORTED_BY = os.getpid()\n"
    write(site, {"fakepkg/__init__.py": package.format(1)})
    views = VIEWS.replace(
        'f"views 1 {helpers.VALUE}"',
        'f"{fakepkg.VERSION} {fakepkg.IMPORTED_BY != os.getpid()}"',
    ).replace("    import helpers\n", "    import helpers\n    import fakepkg\n")
    app = await start_app(
        {**PROJECT, "pkg/views.py": views}, app=APP, env={"PYTHONPATH": str(site)}
    )
    await app.ready()
    assert (await aget(app.url)).body == "1 False"  # the first preloader did not know it
    # The ready event named fakepkg: a preloader that imports it is built in the
    # background; restarts fork from it once it is there.
    await _until_served(app, "1 True")
    write(site, {"fakepkg/__init__.py": package.format(2)})  # edited in place
    await _until_served(app, "2 True", restarts=1)


async def _until_served(app: Harness, body: str, restarts: int = 50) -> None:
    deadline = time.monotonic() + DEADLINE
    for _ in range(restarts):
        mark = app.mark()
        await app.supervisor.restart("test")
        await app.ready(mark)
        if (await aget(app.url)).body == body or time.monotonic() > deadline:
            break
    assert (await aget(app.url)).body == body


async def test_a_killed_preloader_falls_back_to_spawn_once_and_still_serves(
    start_app: StartApp,
) -> None:
    app = await start_app(PROJECT, app=APP)
    await app.ready()
    preloader = int((await forked_state(app))["ppid"])  # type: ignore[call-overload]
    mark = app.mark()
    os.kill(preloader, signal.SIGKILL)
    note = await app.wait(lambda e: isinstance(e, AppOutput) and "preloader failed" in e.line, mark)
    assert "new interpreter" in note.line  # type: ignore[union-attr]
    assert (await aget(app.url)).body == "views 1 helpers 1"  # the orphaned fork serves on
    await restart(app, {"helpers.py": "VALUE = 'helpers 2'\n"})  # stops the orphan, spawns
    assert (await aget(app.url)).body == "views 1 helpers 2"
    assert (await state(app))["ppid"] == os.getpid()
    await restart(app, {"helpers.py": "VALUE = 'helpers 3'\n"})
    assert (await aget(app.url)).body == "views 1 helpers 3"
    notes = [e for e in app.events if isinstance(e, AppOutput) and "preloader failed" in e.line]
    assert len(notes) == 1


async def test_a_settings_change_rebuilds_and_the_env_is_the_apps(start_app: StartApp) -> None:
    app = await start_app(PROJECT, app=APP, env={"SECRET": "one"})
    await app.ready()
    first = await forked_state(app)
    assert first["secret"] == "one"
    mark = app.mark()
    await app.supervisor.reconfigure(
        app.config.__class__(**{**vars(app.config), "env": {"SECRET": "two"}})
    )
    await app.ready(mark)
    second = await state(app)
    assert second["secret"] == "two"
    assert second["ppid"] not in (first["ppid"], os.getpid()), "a new preloader forked it"


async def test_preload_off_spawns(start_app: StartApp) -> None:
    app = await start_app(PROJECT, app=APP, preload=False)
    await app.ready()
    assert (await state(app))["ppid"] == os.getpid()


def test_sigkill_of_the_supervisor_leaves_neither_preloader_nor_app(tmp_path: Path) -> None:
    write(tmp_path, PROJECT)
    port = free_port()
    term = Terminal(tmp_path, "--app", APP, "--port", str(port))
    try:
        term.expect("Running: serving on")
        write(tmp_path, {"helpers.py": "VALUE = 'helpers 2'\n"})  # the restart forks
        term.expect("Restarting")
        wait_until(
            lambda: "helpers 2" in get(f"http://127.0.0.1:{port}/").body, "the restart serves"
        )
        app_state = json.loads(get(f"http://127.0.0.1:{port}/state").body)
        app_pid, preloader = int(app_state["pid"]), int(app_state["ppid"])
        assert preloader != term.proc.pid and _parent(preloader) == term.proc.pid
        os.kill(term.proc.pid, signal.SIGKILL)
        term.proc.wait(DEADLINE)
        wait_until(lambda: not group_members(app_pid), "the app's group is gone")
        wait_until(lambda: not is_alive(preloader), "the preloader is gone")
    finally:
        term.kill_group()


def _parent(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1])


# Incremental restarts: ``slow`` is worth keeping (50 ms) and ``leaf`` is the file saved
# again, so a layer forked from the preloader imports ``slow``. The page tells which
# process imported ``slow``: the layer, in an app forked from it. In a layer, ``slow``
# runs ``{in_layer}`` (a file it writes would make every layer stale: it reads it).
LAYERED = {
    "app.py": """
        import json, os
        from flask import Flask
        import slow
        import leaf

        app = Flask(__name__)

        @app.route("/")
        def index():
            return json.dumps(
                {"pid": os.getpid(), "ppid": os.getppid(), "slow": slow.PID, "leaf": leaf.VALUE}
            )
    """,
    "slow.py": """
        import os, sys, time

        PID = os.getpid()

        def say_pid():
            with open(os.path.join(os.path.dirname(__file__), "layer.pid"), "w") as file:
                file.write(str(PID))

        if "failsafe_flask.child.imports_layer" in sys.modules:  # a layer imports it
            {in_layer}
        time.sleep(0.05)
    """,
    "leaf.py": "VALUE = 0\n",
}
STUCK = "say_pid(); time.sleep(3600)"
FAILS = "say_pid(); raise RuntimeError('slow cannot be kept')"


def _write_layered(root: Path, in_layer: str = "pass") -> None:
    """The project, ``leaf.py`` the newest file (the first layer's guess for the next save):
    the others an hour older, as a file-system clock tick may give them all one mtime."""
    write(root, {**LAYERED, "slow.py": LAYERED["slow.py"].replace("{in_layer}", in_layer)})
    older = time.time_ns() - 3600 * 10**9
    for name in ("app.py", "slow.py"):
        os.utime(root / name, ns=(older, older))


def _page(port: int) -> dict[str, int]:
    return dict(json.loads(get(f"http://127.0.0.1:{port}/").body))


def _forked_from_a_layer(page: dict[str, int]) -> bool:
    return page["slow"] == page["ppid"] != page["pid"]


def _until_forked_from_a_layer(root: Path, port: int) -> dict[str, int]:
    """Save ``leaf`` until a restart is forked from a layer (the first ones may come before
    the preloader and its layer are built, or guess another file); that app's page."""
    deadline = time.monotonic() + DEADLINE
    for value in range(1, 1000):
        write(root, {"leaf.py": f"VALUE = {value}\n"})
        wait_until(lambda v=value: _page(port)["leaf"] == v, f"leaf {value} served")
        page = _page(port)
        if _forked_from_a_layer(page):
            return page
        assert time.monotonic() < deadline, f"no restart forked from a layer: {page}"
    raise AssertionError("no restart forked from a layer")


def _layer_pid(root: Path) -> int:
    marker = root / "layer.pid"
    wait_until(lambda: marker.exists() and marker.read_text(), "a layer imports slow")
    return int(marker.read_text())


async def _layer_forked_an_app(app: Harness) -> tuple[Preloader, dict[str, int]]:
    """Save ``leaf`` until the app is forked from a layer: that layer, and the app's page."""
    layers = app.supervisor._launcher.layers
    for value in range(1, 50):
        # Each app process reports its imports once it has served (or idled): learned
        # from, and its layer built (or failed), the next save may fork from it.
        await until(
            lambda v=value: layers.learned >= v and layers.settled, "the layer is built (or failed)"
        )
        await restart(app, {"leaf.py": f"VALUE = {value}\n"})
        page = json.loads((await aget(app.url)).body)
        if _forked_from_a_layer(page):
            break
    assert _forked_from_a_layer(page), page
    layer = layers._current
    assert layer is not None and layer.pid == page["ppid"]
    return layer, page


async def test_a_layer_is_a_fork_of_the_plain_preloader_and_goes_at_stop(
    start_app: StartApp, tmp_path: Path
) -> None:
    _write_layered(tmp_path)
    app = await start_app({}, app="app")
    await app.ready()
    layer, page = await _layer_forked_an_app(app)
    assert layer.parent is not None and layer.parent.parent is None  # never a layer's fork
    assert _parent(layer.pid) == layer.parent.pid and _parent(layer.parent.pid) == os.getpid()
    await app.supervisor.stop()
    pids = (page["pid"], layer.pid, layer.parent.pid)
    await until(lambda: not any(map(is_alive, pids)), "the app, the layer, the preloader gone")


async def test_the_first_layer_is_built_for_the_first_save_not_beside_the_spawned_app(
    start_app: StartApp, tmp_path: Path
) -> None:
    """Beside the spawned first app, a layer would hold the project a second time in pages
    nothing shares (the tree's peak memory); the first save builds it, for that save."""
    _write_layered(tmp_path)
    app = await start_app({}, app="app")
    await app.ready()
    layers = app.supervisor._launcher.layers
    await until(lambda: layers.learned >= 1, "the spawned app's imports are learned")
    assert layers._building is None and layers._current is None
    await restart(app, {"leaf.py": "VALUE = 1\n"})
    page = json.loads((await aget(app.url)).body)
    assert page["leaf"] == 1 and _forked_from_a_layer(page), page


async def test_a_layer_forks_no_layer(start_app: StartApp, tmp_path: Path) -> None:
    """Its kept modules would be stale in the layer's fork: the supervisor never asks, and
    a layer asked anyway refuses (and forks app processes on)."""
    _write_layered(tmp_path)
    app = await start_app({}, app="app")
    await app.ready()
    layer, _ = await _layer_forked_an_app(app)
    request = LayerRequest(modules=[], shells=[], environ={}, path=[])
    with pytest.raises(PreloadError, match="a layer forks no layer"):
        await layer.fork_layer(request)
    (ours, theirs), (reply_r, reply_w) = socket.socketpair(), os.pipe()
    try:
        with pytest.raises(PreloadError, match="ValueError: a layer forks no layer"):
            await layer._request_fork(request, (theirs.fileno(), reply_w))
    finally:
        for fd in (ours.detach(), theirs.detach(), reply_r, reply_w):
            os.close(fd)
    _, page = await _layer_forked_an_app(app)
    assert page["ppid"] == layer.pid


def test_a_layer_is_a_fork_of_the_preloader_and_dies_with_the_supervisor(tmp_path: Path) -> None:
    _write_layered(tmp_path)
    port = free_port()
    term = Terminal(tmp_path, "--app", "app", "--port", str(port))
    try:
        term.expect("Running: serving on")
        page = _until_forked_from_a_layer(tmp_path, port)
        app_pid, layer = page["pid"], page["ppid"]
        preloader = _parent(layer)
        assert preloader != term.proc.pid and _parent(preloader) == term.proc.pid
        _kill_supervisor(term, layer, preloader)
        wait_until(lambda: not group_members(app_pid), "the app's group is gone")
    finally:
        term.kill_group()


def _kill_supervisor(term: Terminal, layer: int, preloader: int) -> None:
    """SIGKILL to the supervisor (no clean-up of any kind): the layer and its preloader go."""
    os.kill(term.proc.pid, signal.SIGKILL)
    term.proc.wait(DEADLINE)
    wait_until(lambda: not is_alive(layer), "the layer is gone")
    wait_until(lambda: not is_alive(preloader), "the preloader is gone")


def test_a_layer_stuck_in_an_import_dies_with_the_supervisor(tmp_path: Path) -> None:
    """Stuck, it never reads its socket's EOF: it dies with its preloader (Linux)."""
    _write_layered(tmp_path, STUCK)
    port = free_port()
    term = Terminal(tmp_path, "--app", "app", "--port", str(port))
    try:
        term.expect("Running: serving on")
        # The first app was spawned: its layer is built when the first save comes, and
        # that save does not wait for a layer stuck in an import.
        write(tmp_path, {"leaf.py": "VALUE = 1\n"})
        layer = _layer_pid(tmp_path)
        wait_until(lambda: _page(port)["leaf"] == 1, "the save is served")
        preloader = _parent(layer)
        assert _parent(preloader) == term.proc.pid
        _kill_supervisor(term, layer, preloader)
    finally:
        term.kill_group()


def test_a_layer_that_fails_exits_and_the_preloader_forks_instead(tmp_path: Path) -> None:
    _write_layered(tmp_path, FAILS)
    port = free_port()
    term = Terminal(tmp_path, "--app", "app", "--port", str(port))
    try:
        term.expect("Running: serving on")
        write(tmp_path, {"leaf.py": "VALUE = 1\n"})  # the first save builds the layer
        note = term.expect("the layer of kept modules failed")
        assert "slow cannot be kept" in note
        layer = _layer_pid(tmp_path)
        wait_until(lambda: not is_alive(layer), "the failed layer is gone")
        wait_until(lambda: _page(port)["leaf"] == 1, "the save is served")
        page = _page(port)
        assert page["slow"] == page["pid"], "imported by the app itself"
        assert _parent(page["ppid"]) == term.proc.pid, "forked by the plain preloader"
    finally:
        term.kill_group()
