"""An app error as terminal text: its traceback and one line of where it is. Pure.

What the error says and where it is are locate.py's, as for the diagnostics: the
``file:line`` printed is the line the squiggle is on.
"""

from __future__ import annotations

import os
from typing import Optional

from ..locate import CAUSE, chain, full_text, headline, primary
from ..protocol import ExceptionInfo


def location(error: ExceptionInfo, entry: str = "") -> Optional[tuple[str, int]]:
    """The file and 1-based line of ``locate.primary``."""
    where = primary(error, entry)
    return None if where is None else (where.file, where.line)


def describe_location(spot: Optional[tuple[str, int]], root: str) -> str:
    if spot is None:
        return ""
    path, line = spot
    try:
        shown = os.path.relpath(path, root)
    except ValueError:
        shown = path
    if shown.startswith(os.pardir):
        shown = path
    return f"{shown}:{line}"


def where(error: ExceptionInfo, root: str, entry: str = "") -> str:
    """``file:line`` (relative to ``root`` when below it), "" when nowhere."""
    return describe_location(location(error, entry), root)


def status_line(error: ExceptionInfo, root: str, entry: str = "") -> str:
    """One line for a status: what the error says, and where."""
    at = where(error, root, entry)
    return headline(error) + (f" ({at})" if at else "")


def format_error(error: ExceptionInfo) -> list[str]:
    """The traceback as Python prints it, chained exceptions first."""
    lines: list[str] = []
    for info, how in reversed(chain(error)):
        lines += _format_one(info)
        if how:
            lines += ["", _CAUSE if how == CAUSE else _CONTEXT, ""]
    return lines


_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"


def _format_one(info: ExceptionInfo) -> list[str]:
    lines = ["Traceback (most recent call last):"] if info["frames"] else []
    for frame in info["frames"]:
        lines.append(f'  File "{frame["file"]}", line {frame["line"]}, in {frame["function"]}')
        if frame["text"].strip():
            lines.append(f"    {frame['text'].strip()}")
    syntax = info["syntax"]
    if syntax is not None:
        lines.append(f'  File "{syntax["file"]}", line {syntax["line"]}')
        if syntax["text"].strip():
            text = syntax["text"].rstrip("\n")
            indent = len(text) - len(text.lstrip())
            lines.append(f"    {text.strip()}")
            if syntax["col"] is not None:
                width = max(1, (syntax["end_col"] or syntax["col"] + 1) - syntax["col"])
                if syntax["end_line"] not in (None, syntax["line"]):
                    width = max(1, len(text) - syntax["col"])
                lines.append("    " + " " * (syntax["col"] - indent) + "^" * width)
    lines.append(full_text(info))
    return lines
