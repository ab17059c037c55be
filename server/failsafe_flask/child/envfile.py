"""The app's dotenv files (``.flaskenv``, ``.env``, ``--env-file``), loaded as Flask does.

With python-dotenv installed this is Flask's own ``load_dotenv``. Without it, ``flask
run`` ignores the files (and refuses ``--env-file``); a development server that must
find the app ``flask run`` would find reads the common subset itself instead
(``KEY=VALUE``, ``export``, quotes, comments). Like Flask, variables already set in the
environment win, then the env file, then ``.env``, then ``.flaskenv``.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import stat
from pathlib import Path
from typing import Optional

from failsafe_flask.flaskenv import effective_environment, parse


def load_project_env(env_file: Optional[str]) -> None:
    """Everything ``flask run`` loads before it looks for the app, in its precedence."""
    from flask.helpers import get_load_dotenv

    if env_file:  # first: nothing already set is overwritten, so it wins over the defaults
        load_env_file(env_file)
    if not get_load_dotenv():
        return
    if importlib.util.find_spec("dotenv") is not None:
        from flask.cli import load_dotenv

        load_dotenv()
        return
    for key, value in effective_environment(Path.cwd(), os.environ).items():
        os.environ.setdefault(key, value)


def load_env_file(path: str) -> None:
    """Raises OSError when the file cannot be read: a load error that names the file."""
    _refuse_special(path)
    try:
        with open(path, encoding="utf-8") as handle:  # read first: a clear error if missing
            text = handle.read()
    except UnicodeDecodeError as exc:  # says neither which file nor that it is ours to fix
        reason = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise OSError(errno.EILSEQ, reason, path) from None
    if importlib.util.find_spec("dotenv") is None:
        for key, value in parse(text).items():
            os.environ.setdefault(key, value)
        return
    from failsafe_flask.child.compat import load_dotenv_file

    load_dotenv_file(path)


def _refuse_special(path: str) -> None:
    """Opening a FIFO waits for a writer, maybe forever, and each restart reads the file
    again: only a regular file (or what opening says is wrong with it) is read."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # open() says it better
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a FIFO (a named pipe)" if stat.S_ISFIFO(mode) else "a device or a socket"
        raise OSError(errno.EINVAL, f"not a regular file but {kind}", path)
