"""The app process in the user's interpreter, across what we support and just below it.

The supervisor runs here; the app runs in its own interpreter with the Flask its project
pins. The matrix is the oldest supported pair (Flask 2.2.0 with Werkzeug 2.2.0, which do
not need blinker, so request signals are missing) and the newest release, each on Python
3.9 and on the newest Python the machine has. Below the floor, Start must say which
versions are needed in one sentence. Skipped only where an interpreter is missing; the
project's CI machines have pyenv's 3.9 and 3.13.
"""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
import ssl
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from failsafe_flask.supervisor.events import AppRequestError
from integration.supervisor_harness import aget

OLDEST = ["flask==2.2.0", "werkzeug==2.2.0"]
NEWEST = ["flask", "werkzeug"]
BELOW_FLOOR = ["flask==2.1.3", "werkzeug==2.2.3"]


def _is_python(candidate: str, version: tuple[int, int]) -> bool:
    probe = [candidate, "-c", f"import sys; assert sys.version_info[:2] == {version!r}"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


def _python(which: str) -> str | None:
    """Python 3.9, or the newest 3.x installed (pyenv's versions, then PATH)."""
    found = glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3.*"))
    found += [p for p in (shutil.which(f"python3.{minor}") for minor in range(9, 20)) if p]
    versions = {}
    for path in found:
        match = re.search(r"python3\.(\d+)$", path)
        if match and _is_python(path, (3, int(match.group(1)))):
            versions.setdefault(int(match.group(1)), path)
    if not versions:
        return None
    minor = 9 if which == "3.9" else max(versions)
    return versions.get(minor)


def _venv(base: str | None, folder: Path, packages: list[str]) -> str:
    if base is None:
        pytest.skip("that Python is not installed on this machine")
    subprocess.run([base, "-m", "venv", str(folder)], check=True, timeout=120)
    python = str(folder / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *packages, "python-dotenv"], check=True, timeout=600)
    return python


@pytest.fixture(
    scope="module",
    params=[("3.9", OLDEST), ("3.9", NEWEST), ("newest", OLDEST), ("newest", NEWEST)],
    ids=["py3.9-flask2.2", "py3.9-newest", "newest-flask2.2", "newest-newest"],
)
def interpreter(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    which, packages = request.param
    return _venv(_python(which), tmp_path_factory.mktemp("venv") / "v", packages)


APP = """
import os

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "héllo " + os.environ.get("GREETING", "nobody")


@app.route("/boom")
def boom():
    return 1 / 0
"""


async def test_an_app_loads_fails_recovers_and_reports_request_errors_in_debug_mode(
    start_app: Callable[..., Any], interpreter: str
) -> None:
    files = {"app.py": APP, ".env.dev": "GREETING=from the env file\n"}
    app = await start_app(files, python=interpreter, env_file=".env.dev")
    await app.ready()
    assert (await aget(app.url)).body == "héllo from the env file"
    mark = app.mark()
    boom = await aget(app.url + "/boom")
    assert boom.status == 500 and "Werkzeug Debugger" in boom.body  # debug mode is on
    event = await app.wait(lambda e: isinstance(e, AppRequestError), mark)
    assert isinstance(event, AppRequestError)
    frame = [f for f in event.error["frames"] if f["project"]][-1]
    assert frame["line"] == 16
    # Column ranges come from co_positions, which Python 3.9 does not have.
    assert (frame["col"] is None) == _is_python(interpreter, (3, 9))
    mark = await app.save({"app.py": APP + "\ndef broken(:\n"})
    error = await app.load_error(mark)
    assert error.error["syntax"] is not None
    assert (error.error["syntax"]["file"], error.error["syntax"]["line"]) == (
        str(Path(app.root) / "app.py"),
        18,
    )
    assert (await aget(app.url)).status == 500
    mark = await app.save({"app.py": APP.replace("héllo ", "hi ")})
    await app.ready(mark)
    assert (await aget(app.url)).body == "hi from the env file"


async def test_flask_below_the_floor_is_refused_in_one_sentence(
    start_app: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    python = _venv(shutil.which("python3"), tmp_path_factory.mktemp("old") / "v", BELOW_FLOOR)
    app = await start_app({"app.py": APP}, python=python)
    error = await app.load_error()
    message = error.error["message"]
    assert "needs Flask 2.2 and Werkzeug 2.2 or newer" in message
    assert "Flask 2.1.3" in message and "Werkzeug 2.2.3" not in message
    assert "\n" not in message
    page = await aget(app.url)
    assert page.status == 500 and "needs Flask 2.2" in page.body


async def test_https_with_a_certificate_file_on_the_inherited_socket(
    start_app: Callable[..., Any], interpreter: str, tmp_path: Path
) -> None:
    # Werkzeug's own helper makes the pair (it needs cryptography here, not in the app's
    # interpreter: a certificate file is loaded with the ssl module alone).
    from werkzeug.serving import make_ssl_devcert

    cert, key = make_ssl_devcert(str(tmp_path / "dev"), host="127.0.0.1")
    app = await start_app({"app.py": APP}, python=interpreter, cert=cert, key=key)
    ready = await app.ready()
    assert ready.url.startswith("https://127.0.0.1:")
    unverified = ssl._create_unverified_context()
    url = f"https://127.0.0.1:{app.port}/"
    reply = await asyncio.to_thread(urllib.request.urlopen, url, timeout=30, context=unverified)
    with reply:
        assert reply.read().decode() == "héllo nobody"


async def test_cert_adhoc_without_cryptography_where_the_app_runs_says_so(
    start_app: Callable[..., Any], interpreter: str
) -> None:
    app = await start_app({"app.py": APP}, python=interpreter, cert="adhoc")
    error = await app.load_error()
    assert error.error["message"].startswith("--cert adhoc needs the cryptography library")
    assert interpreter in error.error["message"]
