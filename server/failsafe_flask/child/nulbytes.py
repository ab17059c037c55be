"""Where a NUL byte is, for the SyntaxError that does not say.

Compiling a source with a NUL byte raises "source code string cannot contain null bytes"
with no file and no line, so the error would land on line 1 of the app's entry file. The
file is the module being imported on the deepest project frame's line, else the entry
file; the NUL's own line and column are read from the file. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Optional

from failsafe_flask.protocol import Frame, SyntaxInfo

_IMPORT = re.compile(r"\s*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+))")


def is_null_byte_error(exc: BaseException) -> bool:
    return isinstance(exc, (SyntaxError, ValueError)) and "null bytes" in str(exc)


def candidates(
    frames: Sequence[Frame], entry: str, find: Callable[[str], Optional[str]]
) -> list[str]:
    """Files that may hold the NUL: what the deepest project line imports (absolute
    imports, found with ``find``), then the entry file."""
    found: list[str] = []
    project = [frame for frame in frames if frame["project"]]
    if project:
        match = _IMPORT.match(project[-1]["text"])
        module = (match.group(1) or match.group(2)) if match else None
        path = find(module) if module else None
        if path:
            found.append(path)
    if entry:
        found.append(entry)
    return found


def null_byte_syntax(paths: Iterable[str]) -> Optional[SyntaxInfo]:
    """The first NUL byte in the first of ``paths`` that has one."""
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if b"\0" in data:
            return _spot(path, data, data.index(b"\0"))
    return None


def _spot(path: str, data: bytes, at: int) -> SyntaxInfo:
    start = data.rfind(b"\n", 0, at) + 1
    end = data.find(b"\n", at)
    text = data[start : end if end >= 0 else len(data)].decode("utf-8", "replace")
    col = len(data[start:at].decode("utf-8", "replace"))
    line = data.count(b"\n", 0, at) + 1
    return {
        "file": path,
        "line": line,
        "col": col,
        "end_line": line,
        "end_col": col + 1,
        "text": text.rstrip("\r"),
    }
