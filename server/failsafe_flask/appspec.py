"""Can anything run here? The check made before starting, without importing user code.

Flask's own discovery (which the app process uses) looks for ``wsgi.py`` and
``app.py`` when neither ``--app`` nor ``FLASK_APP`` names the app; when none of these
exists there is nothing to run, and the user should hear what was tried and which
apps the project holds (``candidates.py``), with the setting that chooses one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .candidates import Candidate, find_candidates
from .config import DISCOVERY_FILES
from .flaskenv import effective_environment

SETTING = "failsafeFlask.app"


def named_app(
    root: str, app: Optional[str], env: Mapping[str, str], env_file: Optional[str] = None
) -> Optional[str]:
    """The app as --app, the environment, the env file or a dotenv file names it.

    Flask's precedence: the option, then variables already set, then the files
    (``--env-file`` before ``.env`` before ``.flaskenv``), read as ``flask`` reads them.
    """
    return app or effective_environment(Path(root), env, env_file).get("FLASK_APP") or None


@dataclass(frozen=True)
class NoApp:
    """Nothing names or finds an app: what to say, and what the project holds."""

    message: str
    candidates: list[Candidate]


def find_no_app(
    root: str, app: Optional[str], env: Mapping[str, str], env_file: Optional[str] = None
) -> Optional[NoApp]:
    """None when an app may be found; else the message and the candidates to offer."""
    if named_app(root, app, env, env_file) or discovered_file(root):
        return None
    candidates = find_candidates(root)
    return NoApp(no_app_text(root, candidates), candidates)


def missing_app_message(
    root: str, app: Optional[str], env: Mapping[str, str], env_file: Optional[str] = None
) -> Optional[str]:
    """None when an app may be found, else the message that says what was tried."""
    found = find_no_app(root, app, env, env_file)
    return found.message if found else None


def no_app_text(root: str, candidates: Sequence[Candidate]) -> str:
    tried = (
        f"No Flask app found in {root}: no --app option (the {SETTING} setting in the "
        "editor), no FLASK_APP variable (nor in .flaskenv or .env), and neither wsgi.py "
        "nor app.py."
    )
    if not candidates:
        return (
            f"{tried} Name the app as flask run does, in {SETTING} or with --app, e.g. "
            "hello, 'hello:create_app()' or app.py."
        )
    listed = ", ".join(f"{found.app} ({found.file})" for found in candidates)
    return f"{tried} Apps found in the project: {listed}. Set {SETTING} (or --app) to one."


def discovered_file(root: str) -> Optional[str]:
    """The file Flask's discovery loads first: wsgi.py, else app.py; None when neither."""
    found = (name for name in DISCOVERY_FILES if os.path.isfile(os.path.join(root, name)))
    return next(found, None)


def app_label(
    root: str, app: Optional[str], env: Mapping[str, str], env_file: Optional[str] = None
) -> str:
    """What a status shows as the app: its --app form, or the file discovery finds."""
    return named_app(root, app, env, env_file) or discovered_file(root) or ""
