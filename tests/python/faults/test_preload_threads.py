"""Packages that start a thread at import are left out of the preload, said once, and the
app keeps serving through restarts: a fork copies no thread and frees no lock."""

from __future__ import annotations

import json
import os
import signal
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from failsafe_flask.supervisor.events import AppOutput
from integration.cli_harness import Terminal
from integration.supervisor_harness import Harness, aget, free_port, write
from system import is_alive, wait_until

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the preloader needs fork")

# A module-level lock held, most of the time, by a thread started at import: a fork taken
# while it is held has the lock held forever and no thread to release it.
LOCKPKG = """
    import threading, time

    _lock = threading.Lock()

    def _busy():
        while True:
            with _lock:
                time.sleep(0.05)
            time.sleep(0.001)

    threading.Thread(target=_busy, name="lockpkg-busy", daemon=True).start()

    def read():
        if not _lock.acquire(timeout=5):
            return "deadlocked"
        _lock.release()
        return "lock ok"
"""
# A worker thread started at import drains a queue: after a fork, nobody drains it. It is
# started as C code starts one, unseen by ``threading``: only /proc/self/task counts it.
QUEUEPKG = """
    import _thread, queue

    _jobs = queue.Queue()

    def _drain():
        while True:
            value, answer = _jobs.get()
            answer.put(value * 2)

    _thread.start_new_thread(_drain, ())

    def double(value):
        answer = queue.Queue()
        _jobs.put((value, answer))
        try:
            return answer.get(timeout=5)
        except queue.Empty:
            return None
"""
APP = """
    import json, os
    from flask import Flask, render_template
    import lockpkg, queuepkg

    app = Flask(__name__)

    @app.route("/")
    def index():
        return render_template("index.html", lock=lockpkg.read(), double=queuepkg.double(21))

    @app.route("/state")
    def state():
        return json.dumps({"pid": os.getpid(), "ppid": os.getppid()})
"""
SITE = "vendor/site-packages"  # inside the project, but installed code, as in a virtualenv
PROJECT = {
    "app.py": APP,
    "templates/index.html": "{{ lock }} {{ double }}",
    ".flaskenv": "FLASK_APP=app.py\n",
    f"{SITE}/lockpkg/__init__.py": LOCKPKG,
    f"{SITE}/queuepkg/__init__.py": QUEUEPKG,
}


def _notes(app: Harness, name: str) -> list[str]:
    return [
        e.line
        for e in app.events
        if isinstance(e, AppOutput) and e.line.startswith(f" * Preloading leaves {name} out")
    ]


async def test_packages_with_import_time_threads_are_left_out_and_the_app_serves(
    start_app: Callable[..., Any], tmp_path: Path
) -> None:
    app: Harness = await start_app(PROJECT, env={"PYTHONPATH": str(tmp_path / SITE)})
    await app.ready()
    assert (await aget(app.url)).body == "lock ok 42"
    for _ in range(10):
        mark = app.mark()
        await app.supervisor.restart("test")
        await app.ready(mark)
        assert (await aget(app.url)).body == "lock ok 42"
    where = json.loads((await aget(app.url + "/state")).body)
    assert where["ppid"] != os.getpid()  # forked by the preloader, not spawned
    for name in ("lockpkg", "queuepkg"):
        notes = _notes(app, name)
        assert len(notes) == 1 and "starts a thread" in notes[0], notes
    assert not [e for e in app.events if isinstance(e, AppOutput) and "failed" in e.line]


async def test_threads_no_package_can_be_blamed_for_make_it_spawn_and_say_why(
    start_app: Callable[..., Any], tmp_path: Path
) -> None:
    # sitecustomize runs before any import the preloader could leave out.
    site = {
        f"{SITE}/sitecustomize.py": (
            "import threading, time\n"
            "threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\n"
        )
    }
    simple = "from flask import Flask\napp = Flask(__name__)\napp.route('/')(lambda: 'served')\n"
    app: Harness = await start_app(
        {"app.py": simple, **site}, env={"PYTHONPATH": str(tmp_path / SITE)}
    )
    note = await app.wait(lambda e: isinstance(e, AppOutput) and "preloader failed" in e.line)
    assert isinstance(note, AppOutput) and "threads before importing anything" in note.line
    await app.ready()
    assert (await aget(app.url)).body == "served"
    pid = app.supervisor.status.pid
    assert pid is not None and _parent(pid) == os.getpid()  # spawned, not forked


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


# Imports at once in an app process, but never returns in a preloader: the import a
# preloader would be stuck in when its supervisor dies.
BLOCKPKG = """
    import os, sys, time

    if sys.argv[0].endswith("preloader.py"):
        open(os.path.join(os.path.dirname(__file__), "stuck"), "w").close()
        time.sleep(3600)
"""


def _preloaders_importing(name: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"failsafe_flask.child.preloader" in command and name.encode() in command:
            found.append(int(pid))
    return found


def test_a_preloader_stuck_in_an_import_dies_with_its_supervisor(tmp_path: Path) -> None:
    files = {
        "app.py": "import blockpkg\n" + textwrap.dedent(APP).replace("lockpkg, queuepkg", "json"),
        f"{SITE}/blockpkg/__init__.py": textwrap.dedent(BLOCKPKG),
    }
    write(tmp_path, {**files, "templates/index.html": "ok"})
    env = {**os.environ, "PYTHONPATH": str(tmp_path / SITE)}
    term = Terminal(tmp_path, "--port", str(free_port()), env=env)
    try:
        term.expect("Running: serving on")
        # The app named blockpkg: a preloader that imports it is being built, and hangs.
        marker = tmp_path / SITE / "blockpkg" / "stuck"
        wait_until(marker.exists, "a preloader stuck importing blockpkg")
        [stuck] = _preloaders_importing("blockpkg")
        os.kill(term.proc.pid, signal.SIGKILL)  # no clean-up of any kind
        term.proc.wait(30)
        wait_until(lambda: not is_alive(stuck), "the stuck preloader gone with its supervisor")
    finally:
        term.kill_group()
