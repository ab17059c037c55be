"""How frames outside the project read: named with their package, summarised in one line.

An editor shows a related location by its file name alone, so Flask's ``app.py`` reads
like the project's own ``app.py``; the package-relative path (``flask/app.py``) cannot
be mistaken. Pure: works on the paths the app process reported (any OS's separators).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .protocol import Frame

_PACKAGE_DIRS = frozenset({"site-packages", "dist-packages"})
_STDLIB_DIR = re.compile(r"python\d+(\.\d+)?t?")  # lib/python3.11 (t: free-threaded)


def package_path(path: str) -> str:
    """``…/site-packages/flask/app.py`` -> ``flask/app.py``; ``…/lib/python3.11/json/
    decoder.py`` -> ``json/decoder.py``; any other path as it is."""
    parts = re.split(r"[\\/]", path)
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] in _PACKAGE_DIRS or _STDLIB_DIR.fullmatch(parts[index]):
            return "/".join(parts[index + 1 :])
    return path


def package_name(path: str) -> str:
    """The top-level package (or module) a file belongs to: ``flask``, ``json``, ``six``."""
    shown = package_path(path)
    head = re.split(r"[\\/]", shown)[-1] if shown == path else shown.split("/")[0]
    return head[:-3] if head.endswith(".py") else head


def where(frame: Frame) -> str:
    """``flask/app.py:1511``: a frame's package path and line."""
    return f"{package_path(frame['file'])}:{frame['line']}"


def summary(hidden: Sequence[Frame], deepest: Frame) -> str:
    """One line for all the frames not shown: how many, in which packages, and where the
    deepest of them is (where the error was raised, when the framework raised it)."""
    count = len(hidden)
    packages = ", ".join(sorted({package_name(frame["file"]) for frame in hidden}))
    noun = "frame" if count == 1 else "frames"
    return f"+ {count} {noun} in {packages} (deepest: {where(deepest)}, in {deepest['function']})"
