"""What `flask run` would read from the environment and the project's dotenv files. Pure.

`flask` loads ``.flaskenv``, then ``.env`` over it, then ``--env-file`` over both, and sets
only the variables the environment does not already have; then ``flask run``'s options
fall back to ``FLASK_RUN_*`` variables, ``--app`` to ``FLASK_APP`` and ``--debug`` to
``FLASK_DEBUG``. The supervisor must decide the same app, host, port and debug mode
without importing anything of the user's and without changing its own environment (the
app process loads the files itself at every start, so an edited ``.env`` is seen), so the
files are read as text here, as python-dotenv reads the common forms.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

DEFAULT_FILES = (".flaskenv", ".env")  # loaded in this order; a later one wins

Reader = Callable[[Path], Optional[str]]


def read_text(path: Path) -> Optional[str]:
    """The file's text, or None when it is not a readable regular file."""
    try:
        if not path.is_file():  # a FIFO or a folder named .env is not a dotenv file
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def skip_dotenv(environ: Mapping[str, str]) -> bool:
    """``FLASK_SKIP_DOTENV``, as ``flask.helpers.get_load_dotenv`` reads it."""
    value = environ.get("FLASK_SKIP_DOTENV", "")
    return bool(value) and value.lower() not in ("0", "false", "no")


def find_default(root: Path, name: str, exists: Callable[[Path], bool]) -> Optional[Path]:
    """python-dotenv's ``find_dotenv(name, usecwd=True)``: here, then each parent folder."""
    for folder in (root, *root.parents):
        if exists(folder / name):
            return folder / name
    return None


def effective_environment(
    root: Path,
    environ: Mapping[str, str],
    env_file: Optional[str] = None,
    read: Reader = read_text,
) -> dict[str, str]:
    """The environment `flask` would see in ``root``: ``environ`` over the dotenv files."""
    values: dict[str, str] = {}
    paths: list[Path] = []
    if not skip_dotenv(environ):
        found = (find_default(root, name, lambda p: read(p) is not None) for name in DEFAULT_FILES)
        paths += [path for path in found if path is not None]
    if env_file:
        paths.append(root / env_file)
    for path in paths:
        text = read(path)
        values.update(parse(text) if text is not None else {})
    return {**values, **environ}


@dataclass(frozen=True)
class RunDefaults:
    """``flask run``'s fallbacks, as raw text: the front end checks and converts them."""

    app: Optional[str] = None
    host: Optional[str] = None
    port: Optional[str] = None
    debug: Optional[bool] = None
    cert: Optional[str] = None
    key: Optional[str] = None
    extra_files: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()


def debug_flag(value: Optional[str]) -> Optional[bool]:
    """``FLASK_DEBUG`` as ``flask.helpers.get_debug_flag`` reads it; None when unset."""
    if value is None:
        return None
    return bool(value) and value.lower() not in ("0", "false", "no")


def _separated(value: Optional[str]) -> tuple[str, ...]:
    # click's SeparatedPathType: several paths in one value, separated as PATH is.
    return tuple(part for part in (value or "").split(os.pathsep) if part)


def run_defaults(env: Mapping[str, str]) -> RunDefaults:
    def text(name: str) -> Optional[str]:
        return env.get(name) or None  # an empty variable means "not set", as click does

    return RunDefaults(
        app=text("FLASK_APP"),
        host=text("FLASK_RUN_HOST"),
        port=text("FLASK_RUN_PORT"),
        debug=debug_flag(env.get("FLASK_DEBUG")),
        cert=text("FLASK_RUN_CERT"),
        key=text("FLASK_RUN_KEY"),
        extra_files=_separated(env.get("FLASK_RUN_EXTRA_FILES")),
        exclude_patterns=_separated(env.get("FLASK_RUN_EXCLUDE_PATTERNS")),
    )


def parse(text: str) -> dict[str, str]:
    """The variables of a dotenv file, in the forms python-dotenv reads most often."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, _, value = line.partition("=")
        values[key.strip()] = _unquote(value.strip())
    return values


def _unquote(value: str) -> str:
    if value[:1] in ("'", '"'):
        try:
            parts = shlex.split(value, comments=True)
        except ValueError:  # an unclosed quote: keep the text as written
            return value
        return parts[0] if parts else ""
    return value.split(" #", 1)[0].rstrip()
