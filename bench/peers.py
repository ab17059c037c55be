"""The servers compared: ours and the ways people run a Flask app with reloading today."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent  # the venv's bin: flask, failsafe-flask, watchfiles


@dataclass(frozen=True)
class Peer:
    key: str
    label: str  # how the table names it: the command a developer types
    argv: Callable[[int], list[str]]
    default: bool = True  # measured unless --peers names another set


def _ours(port: int) -> list[str]:
    return [str(BIN / "failsafe-flask"), "run", "--app", "app", "--port", str(port)]


def _ours_spawn(port: int) -> list[str]:
    return [*_ours(port), "--no-preload"]  # a new interpreter per restart: the fallback


def _flask_debug(port: int) -> list[str]:
    return [str(BIN / "flask"), "--app", "app", "run", "--debug", "--port", str(port)]


def _app_py(port: int) -> list[str]:
    return [sys.executable, "app.py"]  # app.run(debug=True, port=$BENCH_PORT)


def _watchfiles(port: int) -> list[str]:
    # watchfiles restarts the command on every change of a .py file (PythonFilter)
    command = f"{BIN / 'flask'} --app app run --port {port}"
    return [str(BIN / "watchfiles"), "--filter", "python", command, "."]


PEERS = (
    Peer("ours", "failsafe-flask run", _ours),
    Peer("flask", "flask run --debug", _flask_debug),
    Peer("app_py", "python app.py (debug=True)", _app_py),
    Peer("watchfiles", "watchfiles 'flask run'", _watchfiles),
    Peer("ours_spawn", "failsafe-flask run --no-preload", _ours_spawn, default=False),
)


def environment(port: int) -> dict[str, str]:
    """The same clean environment for every peer: no FLASK_* settings leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "WERKZEUG_"))}
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["BENCH_PORT"] = str(port)
    env["PYTHONUNBUFFERED"] = "1"
    return env
