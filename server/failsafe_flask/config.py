"""What one supervised app is: the settings every front end (terminal, LSP) fills in.

Every default is written here once, as an ``AppConfig`` field default or a constant it
uses; the front ends leave out what the user did not set. Standard library only: the app
process may import it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

# What Flask's discovery tries, in its order; the app process looks for the entry file
# with the same list.
DISCOVERY_FILES = ("wsgi.py", "app.py")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_LOAD_TIMEOUT = 30.0  # seconds before a load that never ends is reported
# Like `flask run`: a .env in the project is loaded without being asked for.
DEFAULT_ENV_FILE = ".env"
# Matched against every component of a path below the project root. Virtualenvs are
# caught by their usual names and, whatever their name, by site-packages: a folder
# named plain "env" may well be the user's own package, so it is not excluded by name.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    "node_modules",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "site-packages",
    "dist-packages",
    "*.egg-info",
    # What editors write beside the file being saved: Emacs's lock (.#views.py, a
    # dangling symlink) and auto-save (#views.py#) files, backups (views.py~), Vim's swap
    # files and its write test (4913), and the temporary files some editors write and
    # rename over the real one.
    ".#*",
    "#*#",
    "*~",
    "*.swp",
    "*.swo",
    "*.swx",
    "4913",
    "*.tmp",
)


# The preload setting: incremental restarts, third-party packages only, a new interpreter.
PRELOAD_MODES = ("on", "packages", "off")


def preload_fields(mode: str) -> dict[str, bool]:
    """AppConfig's ``preload`` and ``incremental`` for a ``PRELOAD_MODES`` value."""
    return {"preload": mode != "off", "incremental": mode == "on"}


@dataclass(frozen=True)
class AppConfig:
    project_root: Path
    app: Optional[str] = None  # --app / FLASK_APP forms; None means discovery
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    debug: bool = True
    python: str = sys.executable  # the user's interpreter that runs the app process
    env: Mapping[str, str] = field(default_factory=dict)  # extra variables for the app only
    env_file: Optional[str] = None  # loaded into the app's environment the way Flask does
    env_file_optional: bool = False  # a default (.env), skipped while it does not exist
    extra_watch: tuple[str, ...] = ()  # globs relative to project_root
    excludes: tuple[str, ...] = ()  # added to DEFAULT_EXCLUDES
    stop_grace: float = 2.0  # seconds between SIGTERM and SIGKILL of the app's group
    preload: bool = True  # fork app processes from a preloader (POSIX); False: always spawn
    # With preload: fork them from a layer that has imported the project modules a save
    # cannot affect (incremental restarts); False: the preloader holds packages only.
    incremental: bool = True

    @property
    def preload_mode(self) -> str:
        """The ``preload`` setting's value (``PRELOAD_MODES``) these fields spell."""
        return ("on" if self.incremental else "packages") if self.preload else "off"

    load_timeout: float = DEFAULT_LOAD_TIMEOUT
    # flask run's other options, with its meaning (and its FLASK_RUN_* variables)
    cert: Optional[str] = None  # a certificate file or "adhoc": served over HTTPS
    key: Optional[str] = None  # the key file of a certificate file
    reload: bool = True  # False: a changed file does not restart the app
    debugger: Optional[bool] = None  # Werkzeug's debugger; None: as debug
    threaded: bool = True
    # (host, port) on which every app process listens for a debugger (debugpy); None: off
    debugpy: Optional[tuple[str, int]] = None
    debugpy_wait: bool = False  # each app process waits for the debugger before loading
    live_reload: bool = True  # open pages follow saves (in debug mode only)
    # The path a proxy serves the app under ("/absproxy/{port}"), checked by
    # validate.url_prefix; "": none. See served_prefix.
    url_prefix: str = ""

    def served_prefix(self) -> str:
        """``url_prefix`` with ``{port}`` replaced by the port (the bound one, once bound)."""
        return self.url_prefix.replace("{port}", str(self.port))
