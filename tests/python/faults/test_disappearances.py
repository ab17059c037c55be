"""What disappears and comes back is noticed: the project folder, the interpreter, the
env file. Meanwhile every request gets an answer that says what is missing."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from failsafe_flask.supervisor.events import AppOutput, LaunchFailed, State
from faults.answer_client import arequest
from integration.supervisor_harness import Harness, write

APP = """
    import os
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version 1 " + os.environ.get("GREETING", "no greeting")
"""


async def _failed_with(app: Harness, mark: int, said: str) -> None:
    failed = await app.wait(lambda e: isinstance(e, LaunchFailed), mark)
    assert isinstance(failed, LaunchFailed) and failed.message == said
    answer = await arequest(app.port)
    assert answer.from_supervisor and said in answer.body


@pytest.mark.parametrize("preload", [True, False], ids=["forked", "spawned"])
async def test_a_removed_interpreter_is_named_and_its_return_brings_the_app_back(
    start_app: Callable[..., Any], tmp_path: Path, preload: bool
) -> None:
    python = tmp_path / "env" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    project = tmp_path / "project"
    app: Harness = await start_app({"app.py": APP}, project, python=str(python), preload=preload)
    await app.ready()
    shutil.rmtree(tmp_path / "env")
    mark = await app.save({"app.py": APP.replace("version 1", "version 2")})
    await _failed_with(app, mark, f"Cannot run {python}: no such file")
    assert app.supervisor.status.state == State.FAILED
    mark = app.mark()
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)  # no save: its return is enough
    await app.ready(mark)
    assert (await arequest(app.port)).body == "version 2 no greeting"


async def test_a_deleted_project_folder_is_named_and_its_return_brings_the_app_back(
    start_app: Callable[..., Any], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    app: Harness = await start_app({"app.py": APP}, project)
    await app.ready()
    mark = app.mark()
    shutil.rmtree(project)  # the watcher sees app.py go: a restart that cannot launch
    await _failed_with(app, mark, f"The project folder {project} does not exist")
    mark = app.mark()
    write(project, {"app.py": APP.replace("version 1", "version 3")})  # no editor save
    await app.ready(mark)
    assert (await arequest(app.port)).body == "version 3 no greeting"
    mark = await app.save({"app.py": APP.replace("version 1", "version 4")}, via_editor=False)
    await app.ready(mark)  # the new folder is watched too
    assert (await arequest(app.port)).body == "version 4 no greeting"


async def test_a_deleted_default_env_file_is_simply_no_longer_loaded(
    start_app: Callable[..., Any], tmp_path: Path
) -> None:
    files = {"app.py": APP, ".env": "GREETING=hello\n"}
    app: Harness = await start_app(files, env_file=".env", env_file_optional=True)
    await app.ready()
    assert (await arequest(app.port)).body == "version 1 hello"
    mark = app.mark()
    os.remove(tmp_path / ".env")  # the watcher restarts the app for it
    await app.ready(mark)
    assert (await arequest(app.port)).body == "version 1 no greeting"
    mark = await app.save({".env": "GREETING=again\n"}, via_editor=False)
    await app.ready(mark)
    assert (await arequest(app.port)).body == "version 1 again"


async def test_a_missing_explicit_env_file_fails_clearly_and_its_return_recovers(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": APP}, env_file="dev.env")
    error = await app.load_error()
    assert error.error["type"] == "FileNotFoundError" and "dev.env" in error.error["message"]
    assert "dev.env" in app.supervisor.status.message
    assert (await arequest(app.port)).status == 500  # the app's own load-error page
    mark = await app.save({"dev.env": "GREETING=found\n"}, via_editor=False)
    await app.ready(mark)
    assert (await arequest(app.port)).body == "version 1 found"
    assert not any(isinstance(e, AppOutput) and "Traceback" in e.line for e in app.events)
