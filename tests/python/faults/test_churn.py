"""Files changing fast or strangely: a save storm, files deleted, renamed, replaced by a
folder, a git checkout of hundreds of files."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

from failsafe_flask.supervisor.events import AppLoadError, State, StatusChanged
from integration.supervisor_harness import Harness, aget, write
from system import app_processes, holders, listening_inodes

MODULES = ("a", "b", "c", "d")
APP = "from flask import Flask\nfrom a import V as A\nfrom b import V as B\n" + (
    "from c import V as C\nfrom d import V as D\napp = Flask(__name__)\n\n"
    '@app.route("/")\ndef index():\n    return f"{A} {B} {C} {D}"\n'
)


def _module(value: int, broken: bool) -> str:
    return f"V = {value}\n" + ("def broken(:\n" if broken else "")


async def _sample(
    app: Harness, inode: str, held: dict[int, list[float]], stop: asyncio.Event
) -> None:
    """How long each process that is not the current app keeps accepting on the app's
    socket, sampled every 20 ms on the supervisor's own loop (so each sample is consistent
    with the supervisor's state): pid -> [first seen, last seen]."""
    while not stop.is_set():
        now = time.monotonic()
        for pid in holders(inode, among=app_processes()):
            if pid != app.supervisor.status.pid:
                held.setdefault(pid, [now, now])[1] = now
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.02)


async def test_a_save_storm_restarts_one_at_a_time_and_ends_on_the_final_files(
    start_app: Callable[..., Any],
) -> None:
    files = {"app.py": APP, **{f"{m}.py": "V = 0\n" for m in MODULES}}
    # With the preloader on (the default): a fork retired before it has called setsid()
    # must still get its SIGTERM, or it would serve stale code until the SIGKILL.
    app: Harness = await start_app(files)
    await app.ready()
    [inode] = listening_inodes(app.port)
    held: dict[int, list[float]] = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample(app, inode, held, stop))
    start = time.monotonic()
    for n in range(500):  # 500 saves in 10 s, every one of them seen by the editor
        await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
        module = MODULES[n % len(MODULES)]
        await app.save({f"{module}.py": _module(n, broken=n % 2 == 0)})
    mark = await app.save(
        {f"{m}.py": _module(1000 + i, broken=False) for i, m in enumerate(MODULES)}
    )
    # An app launched before the final save may still report (a broken intermediate
    # file, or old ones): the final files are those of a launch that began after it.
    restarting = await app.state(State.RESTARTING, mark)
    await app.ready(app.events.index(restarting))
    stop.set()
    await sampler
    assert (await aget(app.url)).body == "1000 1001 1002 1003"
    status = app.supervisor.status
    assert status.state == State.RUNNING and status.errors == 0
    _assert_one_restart_at_a_time([e for e in app.events if isinstance(e, StatusChanged)])
    # A retired process stops accepting as soon as it runs again after its SIGTERM; on a
    # busy machine that may take a while, but one that missed its SIGTERM keeps accepting
    # (serving old code) until the SIGKILL at the end of the grace period.
    longest = max((last - first for first, last in held.values()), default=0.0)
    assert longest < app.config.stop_grace * 0.75, held
    assert holders(inode, among=app_processes()) == [status.pid]
    print(f"storm: {status.restarts} restarts for 501 saves, longest retiring {longest:.2f} s")


def _assert_one_restart_at_a_time(statuses: list[StatusChanged]) -> None:
    """From the status stream: each launch begins after the previous app was retired
    (pid cleared), the restart count goes up by one each time, and only the app launched
    last ever settles the state."""
    current: Optional[int] = None  # the app launched last
    cleared = True  # the status has shown no app since ``current`` was launched
    restarts = statuses[0].status.restarts
    for event in statuses:
        status = event.status
        assert status.restarts in (restarts, restarts + 1), status
        if status.restarts == restarts + 1:
            assert status.state == State.RESTARTING, status
            restarts = status.restarts
        if status.pid is None:
            cleared = True  # the previous app was retired before the next launch
        elif status.pid != current:
            assert cleared, f"{status.pid} launched while {current} was current"
            current, cleared = status.pid, False
        if status.state in (State.RUNNING, State.FAILED) and status.pid is not None:
            assert status.pid == current, status


HELPER_APP = """
    from flask import Flask
    import helper
    app = Flask(__name__)

    @app.route("/")
    def index():
        return helper.WORD
"""


async def test_a_watched_file_deleted_renamed_or_replaced_by_a_folder(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": HELPER_APP, "helper.py": "WORD = 'one'\n"})
    await app.ready()
    helper = app.root / "helper.py"
    for change in (_delete, _rename, _replace_by_folder):
        mark = app.mark()
        change(helper)  # behind the editor's back: the native watcher must see it
        error = await app.load_error(mark)
        assert error.error["type"] == "ModuleNotFoundError", error.error
        assert "helper" in error.error["message"]
        mark = app.mark()
        if helper.is_dir():
            shutil.rmtree(helper)
        helper.write_text(f"WORD = {change.__name__!r}\n")
        await app.ready(mark)
        assert (await aget(app.url)).body == change.__name__
    assert app.supervisor.status.state == State.RUNNING


def _delete(path: Any) -> None:
    path.unlink()


def _rename(path: Any) -> None:
    path.rename(path.with_name("helper_old.py"))


def _replace_by_folder(path: Any) -> None:
    path.unlink()
    path.mkdir()
    (path / "notes.txt").write_text("a folder named like a module\n")


def _git(root: Any, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
    }
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, timeout=60)


async def test_a_git_checkout_of_hundreds_of_files_is_one_restart(
    start_app: Callable[..., Any], tmp_path: Path
) -> None:
    # The repository is made before the app starts: only the checkout is watched.
    root = tmp_path / "repo"
    write(root, {"app.py": HELPER_APP, "helper.py": "WORD = 'main'\n"})
    write(root, {f"pkg/m{i}.py": f"X = {i}\n" for i in range(300)})
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "main")
    _git(root, "checkout", "-q", "-b", "feature")
    write(root, {f"pkg/m{i}.py": f"X = {i} + 1\n" for i in range(300)})
    write(root, {"helper.py": "WORD = 'feature'\n"})
    _git(root, "commit", "-q", "-am", "feature")
    _git(root, "checkout", "-q", "main")
    app: Harness = await start_app({}, root=root)
    await app.ready()
    _git(root, "checkout", "-q", "feature")
    await app.ready(app.mark())  # settle the first start before counting
    before = app.supervisor.status.restarts
    mark = app.mark()
    _git(root, "checkout", "-q", "main")  # rewrites 301 files at once
    await app.ready(mark)
    assert (await aget(app.url)).body == "main"
    # Whatever the watcher still reports of that burst must not restart again: a save
    # afterwards is the next restart.
    mark = await app.save({"helper.py": "WORD = 'after'\n"})
    await app.ready(mark)
    assert app.supervisor.status.restarts == before + 2
    assert not any(isinstance(e, AppLoadError) for e in app.events)
