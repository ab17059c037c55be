"""failsafe-flask installed in an environment of its own (as pipx does), the project in
another virtualenv on the same base Python: the app sees the project's packages and our
package, nothing else of the tool's environment; and our private folder is gone after."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.cli_harness import Terminal
from integration.supervisor_harness import get, write
from system import free_port, wait_until

REPO = Path(__file__).resolve().parents[3]
BASE = Path(sys.base_prefix) / "bin" / "python3"  # under both virtualenvs
_NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.egg-info")
PROJECT_FLASK = "3.0.3"  # the tool gets another one: its own declared floor
# pyproject.toml's floor for the tool's own environment: CI runs the supervisor on it.
TOOL_FLOOR = ("flask==3.0.0", "werkzeug==3.0.0")
APP = """
    import importlib.metadata, json, sys
    import flask
    from flask import Flask

    app = Flask(__name__)


    @app.route("/")
    def index():
        return json.dumps({
            "version": importlib.metadata.version("flask"),
            "flask": flask.__file__,
            "path": sys.path,
        })
"""


def _venv(path: Path, *packages: str) -> Path:
    subprocess.run([str(BASE), "-m", "venv", str(path)], check=True, timeout=300)
    python = path / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *packages], check=True, timeout=900)
    return python


@pytest.fixture(scope="module")
def venvs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the tool's python, the project's python): two virtualenvs on one base Python."""
    root = tmp_path_factory.mktemp("venvs")
    source = root / "source"  # a copy: building in the worktree would leave build/ there
    shutil.copytree(REPO / "server", source / "server", ignore=_NOT_SOURCE)
    for path in REPO.iterdir():  # pyproject.toml and the files it names
        if path.is_file():
            shutil.copy(path, source / path.name)
    tool = _venv(root / "tool", str(source), *TOOL_FLOOR)  # a wheel, not editable
    project = _venv(root / "project", f"flask=={PROJECT_FLASK}")
    yield tool, project


@pytest.mark.parametrize("preload", [True, False], ids=["forked", "spawned"])
def test_the_app_sees_the_projects_flask_not_the_tools(
    venvs: tuple[Path, Path], tmp_path: Path, preload: bool
) -> None:
    tool, project = venvs
    tool_flask = subprocess.run(
        [str(tool), "-c", "import importlib.metadata as m; print(m.version('flask'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    assert tool_flask != PROJECT_FLASK
    root, temp = tmp_path / "shop", tmp_path / "tmp"
    root.mkdir()
    temp.mkdir()
    write(root, {"app.py": APP})
    port = free_port()
    args = ["--python", str(project), "--port", str(port)] + ([] if preload else ["--no-preload"])
    term = Terminal(root, *args, python=str(tool), env={**os.environ, "TMPDIR": str(temp)})
    try:
        term.expect("Running: serving on")
        seen = json.loads(get(f"http://127.0.0.1:{port}/").body)
        lent = list(temp.iterdir())
    finally:
        term.proc.send_signal(2)  # Ctrl+C
        code = term.wait()
    assert code == 0, term.output()
    assert seen["version"] == PROJECT_FLASK
    assert seen["flask"].startswith(str(project.parent.parent))
    assert not [p for p in seen["path"] if p.startswith(str(tool.parent.parent))], seen["path"]
    assert lent, "an installed package is lent through a private folder"
    wait_until(lambda: not list(temp.iterdir()), "no folder of ours is left behind")


def test_the_floor_tested_is_the_one_declared() -> None:
    import tomllib

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    floors = {spec.replace("==", ">=").rsplit(".0", 1)[0] for spec in TOOL_FLOOR}
    assert floors <= set(declared), (floors, declared)
