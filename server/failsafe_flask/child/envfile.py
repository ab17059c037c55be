"""The ``envFile`` setting (``--env-file``): variables for the app, loaded as Flask does.

With python-dotenv installed this is Flask's own ``load_dotenv(path)``. Without it,
``flask run --env-file`` refuses; a development server that must not die reads the
common subset itself instead (``KEY=VALUE``, ``export``, quotes, comments). Like Flask,
variables already set in the environment win.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import shlex
import stat


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


def parse(text: str) -> dict[str, str]:
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
