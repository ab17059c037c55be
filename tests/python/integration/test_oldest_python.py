"""The app process in the oldest interpreter we support (Python 3.9, Flask 3.1's floor).

The supervisor runs here (3.11); the user's app runs in its own interpreter, so the app
process's code must work there. Skipped only where no Python 3.9 is installed; the
project's CI machines have one (pyenv).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from failsafe_flask.supervisor.events import AppRequestError
from integration.supervisor_harness import aget


def _python39() -> str | None:
    """An interpreter that really is 3.9 (a pyenv shim for a version not selected fails)."""
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))
    candidates += [p for p in [shutil.which("python3.9")] if p]
    for candidate in candidates:
        probe = [candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 9)"]
        if subprocess.run(probe, capture_output=True, timeout=30).returncode == 0:
            return candidate
    return None


APP = """
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    s = "héllo"
    return s + " from 3.9"


@app.route("/boom")
def boom():
    return 1 / 0
"""


@pytest.fixture(scope="module")
def python39(tmp_path_factory: pytest.TempPathFactory) -> str:
    found = _python39()
    if found is None:
        pytest.skip("no Python 3.9 on this machine")
    venv = tmp_path_factory.mktemp("py39") / "venv"
    subprocess.run([found, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "flask"],
        check=True,
        timeout=300,
    )
    return python


async def test_an_app_in_python_39_loads_fails_recovers_and_reports_request_errors(
    start_app: Callable[..., Any], python39: str
) -> None:
    app = await start_app({"app.py": APP}, python=python39)
    await app.ready()
    assert (await aget(app.url)).body == "héllo from 3.9"
    mark = await app.save({"app.py": APP + "\ndef broken(:\n"})
    error = await app.load_error(mark)
    assert error.error["syntax"] is not None
    assert (error.error["syntax"]["file"], error.error["syntax"]["line"]) == (
        str(Path(app.root) / "app.py"),
        17,
    )
    assert (await aget(app.url)).status == 500
    mark = await app.save({"app.py": APP})
    await app.ready(mark)
    mark = app.mark()
    assert (await aget(app.url + "/boom")).status == 500
    event = await app.wait(lambda e: isinstance(e, AppRequestError), mark)
    assert isinstance(event, AppRequestError)
    frame = [f for f in event.error["frames"] if f["project"]][-1]
    assert (frame["line"], frame["col"]) == (15, None)  # 3.9 has no column positions
