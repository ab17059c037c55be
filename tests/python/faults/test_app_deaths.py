"""The app process ends badly: each end is reported with its cause, nothing is left
running, and the next save brings the app back."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from failsafe_flask.supervisor.events import AppExited, AppOutput, State
from integration.supervisor_harness import Harness, aget
from system import app_processes, group_members, is_alive, until

APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version 1"
"""

# Started before the app dies: it shares the app's group and must not outlive it.
SLEEPER = """
    import subprocess, sys
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
"""


async def _recovers(app: Harness) -> None:
    mark = await app.save({"app.py": APP.replace("version 1", "version 2")})
    await app.ready(mark)
    assert (await aget(app.url)).body == "version 2"
    assert app.supervisor.status.state == State.RUNNING


@pytest.mark.parametrize(
    ("source", "code", "said"),
    [
        (SLEEPER + "    import os; os._exit(1)\n", 1, "exited with code 1"),
        (SLEEPER + "    import ctypes; ctypes.string_at(0)\n", -11, "SIGSEGV"),
    ],
    ids=["os._exit(1) at import", "segfault at import"],
)
async def test_an_app_process_that_dies_at_import_is_reported_and_leaves_nothing(
    start_app: Callable[..., Any], source: str, code: int, said: str
) -> None:
    app: Harness = await start_app({"app.py": source})
    exited = await app.wait(lambda e: isinstance(e, AppExited))
    assert isinstance(exited, AppExited)
    assert exited.returncode == code and said in exited.message
    await app.state(State.FAILED)
    assert app.supervisor.status.errors == 1 and said in app.supervisor.status.message
    pid = next(e.status.pid for e in app.events if getattr(e, "status", None) and e.status.pid)
    await until(lambda: not group_members(pid), "the dead app's subprocess is gone too")
    await _recovers(app)


async def test_sys_exit_inside_create_app_is_a_load_error(start_app: Callable[..., Any]) -> None:
    factory = """
        import sys
        from flask import Flask

        def create_app():
            sys.exit("no database")
    """
    app: Harness = await start_app({"app.py": factory})
    error = await app.load_error()
    assert (error.error["type"], error.error["message"]) == ("SystemExit", "no database")
    frame = [f for f in error.error["frames"] if f["project"]][-1]
    assert (frame["function"], frame["line"]) == ("create_app", 6)
    assert (await aget(app.url)).status == 500  # the error page, not a dead port
    await _recovers(app)


STUBBORN = (
    """
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _signal = signal.signal

    def _keep_ignoring(signum, handler):
        # Like a library that insists: whoever asks later, SIGTERM stays ignored.
        return signal.SIG_IGN if signum == signal.SIGTERM else _signal(signum, handler)

    signal.signal = _keep_ignoring
"""
    + APP
)


async def test_an_app_that_ignores_sigterm_is_killed_after_the_grace_period(
    start_app: Callable[..., Any],
) -> None:
    grace = 0.5
    app: Harness = await start_app({"app.py": STUBBORN}, stop_grace=grace)
    await app.ready()
    old = app.supervisor.status.pid
    assert old is not None
    asked = time.monotonic()
    mark = await app.save({"app.py": STUBBORN.replace("version 1", "version 2")})
    await app.ready(mark)  # the next one starts at once; the stubborn one is not waited for
    await until(lambda: not is_alive(old), "the stubborn app is killed")
    assert time.monotonic() - asked >= grace  # SIGTERM did nothing; SIGKILL did
    # Until then it kept accepting on the shared socket (it ignored the request to stop),
    # so only now is every answer the new code's.
    assert (await aget(app.url)).body == "version 2"
    new = app.supervisor.status.pid
    assert new is not None
    started = time.monotonic()
    await app.supervisor.stop()
    assert grace <= time.monotonic() - started < grace + 5
    assert not is_alive(new) and not group_members(new)


BUSY = (
    """
    import multiprocessing, signal, subprocess, sys, threading, time

    def _worker():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(600)

    threading.Thread(target=time.sleep, args=(600,)).start()  # not a daemon
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    multiprocessing.get_context("fork").Process(target=_worker).start()
"""
    + APP
)


async def test_threads_and_subprocesses_of_the_app_end_with_it(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": BUSY})
    await app.ready()
    old = app.supervisor.status.pid
    assert old is not None
    await until(lambda: len(group_members(old)) == 3, "the app, its subprocess and its worker")
    mark = await app.save({"app.py": BUSY.replace("version 1", "version 2")})
    await app.ready(mark)
    assert (await aget(app.url)).body == "version 2"
    await until(lambda: not group_members(old), "the old app's whole group is gone")
    new = app.supervisor.status.pid
    assert new is not None and len(group_members(new)) == 3
    await app.supervisor.stop()
    await until(lambda: not group_members(new), "the whole group is gone after stop", 1.0)
    assert app_processes() == []


async def test_the_kill_after_the_grace_period_is_said_and_only_then(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": APP}, stop_grace=0.5)
    await app.ready()
    polite = app.supervisor.status.pid
    assert polite is not None
    mark = await app.save({"app.py": STUBBORN})
    await app.ready(mark)
    await until(lambda: not is_alive(polite), "the polite app ends on SIGTERM")
    stubborn = app.supervisor.status.pid
    mark = await app.save({"app.py": STUBBORN.replace("version 1", "version 2")})
    said = f" * The app process {stubborn} did not stop within 0.5 s of SIGTERM; killing it."
    await app.wait(lambda e: isinstance(e, AppOutput) and e.line == said, mark)
    await until(lambda: not is_alive(stubborn), "the stubborn app is killed")
    kills = [e for e in app.events if isinstance(e, AppOutput) and "killing it" in e.line]
    assert len(kills) == 1  # the polite one was not killed, so not said
