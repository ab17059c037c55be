"""The servers compared on the large project, and the log line each prints when it
starts a restart (how the churn row times the start of a restart from outside)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from peers import BIN

# How ours is told to preload third-party packages only (no project modules kept).
PACKAGES_ONLY = ["--preload", "packages"]


@dataclass(frozen=True)
class LargePeer:
    key: str
    label: str
    argv: Callable[[int], list[str]]
    restart_line: str  # a fragment of the line it logs as a restart starts


def _ours(port: int) -> list[str]:
    return [str(BIN / "failsafe-flask"), "run", "--app", "app", "--port", str(port)]


def _ours_packages(port: int) -> list[str]:
    return [*_ours(port), *PACKAGES_ONLY]


def _flask_debug(port: int) -> list[str]:
    return [str(BIN / "flask"), "--app", "app", "run", "--debug", "--port", str(port)]


def _watchfiles(port: int) -> list[str]:
    command = f"{BIN / 'flask'} --app app run --port {port}"
    # --verbose: it logs "N changes detected" only at debug level
    return [str(BIN / "watchfiles"), "--verbose", "--filter", "python", command, "."]


PEERS = (
    LargePeer("ours", "failsafe-flask run", _ours, "Restarting"),
    LargePeer(
        "ours_packages", "failsafe-flask run (packages-only preload)", _ours_packages, "Restarting"
    ),
    LargePeer("flask", "flask run --debug", _flask_debug, "Detected change"),
    LargePeer("watchfiles", "watchfiles 'flask run'", _watchfiles, "detected:"),
)


@lru_cache(maxsize=1)
def packages_only_available() -> bool:
    """Whether this failsafe-flask has a packages-only preload mode to compare with."""
    help_text = subprocess.run(
        [str(BIN / "failsafe-flask"), "run", "--help"], capture_output=True, text=True
    ).stdout
    return PACKAGES_ONLY[0] in help_text and PACKAGES_ONLY[1] in help_text


def available() -> list[LargePeer]:
    return [p for p in PEERS if p.key != "ours_packages" or packages_only_available()]
