"""The first app process of ``failsafe-flask run``, started before the supervisor's own
imports (``supervisor.headstart``): adopted when the supervisor launches the same, else
ended at once, leaving no process and no socket behind."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from failsafe_flask.supervisor.core import Supervisor
from failsafe_flask.supervisor.events import AppLoadError, SupervisorEvent
from integration.supervisor_harness import Harness, aget, write
from system import DEADLINE, free_port, port_is_free

APP = """
    import os
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return f"{os.getpid()} {os.environ.get('FAILSAFE_TEST_MARK', '-')}"
"""


def _served(body: str) -> tuple[int, str]:
    pid, mark = body.split()
    return int(pid), mark


@pytest.fixture
async def started_ahead(tmp_path: Path) -> AsyncIterator[Callable[[], Harness]]:
    """started_ahead() -> a supervisor given a start ahead, not started yet; stopped at
    the end. Called in the test: the environment (PYTEST_CURRENT_TEST) is part of what
    an app process is launched with, and pytest changes it after the fixtures."""
    write(tmp_path, {"app.py": APP})
    made: list[Harness] = []

    def make() -> Harness:
        made.append(Harness(tmp_path, head_start=True))
        assert made[-1].head is not None
        return made[-1]

    yield make
    for harness in made:
        await harness.supervisor.stop()


async def test_the_first_launch_adopts_the_process_started_ahead(
    started_ahead: Callable[[], Harness],
) -> None:
    harness = started_ahead()
    assert harness.head is not None
    ahead = harness.head.started.popen
    await harness.supervisor.start()
    await harness.ready()
    assert _served((await aget(harness.url)).body)[0] == ahead.pid
    mark = await harness.save({"app.py": APP + "    # saved\n"})
    await harness.ready(mark)  # a restart is launched as ever
    assert _served((await aget(harness.url)).body)[0] != ahead.pid
    await harness.supervisor.stop()
    assert ahead.returncode is not None
    assert port_is_free(harness.port)


async def test_an_environment_changed_since_ends_the_process_started_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"app.py": APP})
    monkeypatch.setenv("FAILSAFE_TEST_MARK", "before")
    harness = Harness(tmp_path, head_start=True)
    assert harness.head is not None
    ahead = harness.head.started.popen
    monkeypatch.setenv("FAILSAFE_TEST_MARK", "after")
    try:
        await harness.supervisor.start()
        await harness.ready()
        assert ahead.returncode is not None, "started for the old environment: ended"
        pid, mark = _served((await aget(harness.url)).body)
        assert (pid != ahead.pid, mark) == (True, "after")
    finally:
        await harness.supervisor.stop()


async def test_stopped_before_starting_leaves_nothing_of_it(
    started_ahead: Callable[[], Harness],
) -> None:
    harness = started_ahead()
    assert harness.head is not None
    await harness.supervisor.stop()
    assert harness.head.started.popen.returncode is not None
    assert port_is_free(harness.port)


async def test_started_ahead_for_other_settings_it_is_never_used(
    started_ahead: Callable[[], Harness],
) -> None:
    harness = started_ahead()
    assert harness.head is not None
    events: list[SupervisorEvent] = []
    other = dataclasses.replace(harness.config, port=free_port())
    supervisor = Supervisor(other, events.append, harness.head)
    try:
        assert harness.head.started.popen.returncode is not None
        assert port_is_free(harness.port)
        await supervisor.start()
        assert supervisor.status.pid != harness.head.started.popen.pid
    finally:
        await supervisor.stop()


HELD = """
    import os
    import time

    from flask import Flask

    import views

    HERE = os.path.dirname(os.path.abspath(__file__))
    open(os.path.join(HERE, "imported.txt"), "w").close()
    deadline = time.monotonic() + 30  # the test lets it go on at once: this is a backstop
    while not os.path.exists(os.path.join(HERE, "go.txt")) and time.monotonic() < deadline:
        time.sleep(0.01)
    app = Flask(__name__)
    app.add_url_rule("/", view_func=views.index)
"""
VIEW = """
    def index():
        return "{}"
"""


async def _until_exists(path: Path) -> None:
    async def wait() -> None:
        while not path.exists():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), DEADLINE)


async def test_a_save_before_the_watcher_is_armed_restarts_the_app(tmp_path: Path) -> None:
    """The app started ahead has read views.py; it is saved before the supervisor (and its
    watcher) exists. The served app must not stay on the old views.py for good."""
    write(tmp_path, {"app.py": HELD, "views.py": VIEW.format("old")})
    harness = Harness(tmp_path, head_start=True)
    try:
        await _until_exists(tmp_path / "imported.txt")
        write(tmp_path, {"views.py": VIEW.format("new")})
        (tmp_path / "go.txt").touch()
        await harness.supervisor.start()
        after = 0
        while (await aget(harness.url)).body != "new":  # each app ready, until one has it
            after = harness.events.index(await harness.ready(after)) + 1
    finally:
        await harness.supervisor.stop()


HELD_WITH_HELPERS = HELD.replace("import views\n", "import helpers\n    import views\n")


async def test_a_module_deleted_before_the_watcher_is_armed_restarts_the_app(
    tmp_path: Path,
) -> None:
    """A file gone before anything watched it leaves no mtime to catch up on: the files
    the app reports having read are checked once it serves, and the new app cannot
    import what was deleted."""
    files = {"app.py": HELD_WITH_HELPERS, "views.py": VIEW.format("old"), "helpers.py": ""}
    write(tmp_path, files)
    harness = Harness(tmp_path, head_start=True)
    try:
        await _until_exists(tmp_path / "imported.txt")
        (tmp_path / "helpers.py").unlink()
        (tmp_path / "go.txt").touch()
        await harness.supervisor.start()
        error = await harness.wait(lambda e: isinstance(e, AppLoadError))
        assert isinstance(error, AppLoadError)
        assert "helpers" in error.error["message"]
    finally:
        await harness.supervisor.stop()
