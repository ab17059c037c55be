"""One-line summaries of an app error: where it is and what it says. Pure."""

from __future__ import annotations

import os
from typing import Optional

from ..protocol import ExceptionInfo, Frame

MAX_LINE = 300


def headline(error: ExceptionInfo) -> str:
    text = f"{error['type']}: {error['message']}" if error["message"] else error["type"]
    first = text.splitlines()[0] if text else text
    return first if len(first) <= MAX_LINE else first[: MAX_LINE - 1] + "…"


def location(error: ExceptionInfo, entry: str = "") -> Optional[tuple[str, int]]:
    """Where the user should look: the syntax error's spot, else the deepest project
    frame of the error or of what it was chained from, else the app's entry file."""
    syntax = error["syntax"]
    if syntax is not None:
        return syntax["file"], syntax["line"]
    frame = deepest_project_frame(error)
    if frame is not None:
        return frame["file"], frame["line"]
    return (entry, 1) if entry else None


def deepest_project_frame(error: ExceptionInfo) -> Optional[Frame]:
    chain: list[ExceptionInfo] = []
    current: Optional[ExceptionInfo] = error
    while current is not None and len(chain) < 20:
        chain.append(current)
        current = current["cause"] or current["context"]
    for info in chain:
        for frame in reversed(info["frames"]):
            if frame["project"]:
                return frame
    return None


def describe_location(where: Optional[tuple[str, int]], root: str) -> str:
    if where is None:
        return ""
    path, line = where
    try:
        shown = os.path.relpath(path, root)
    except ValueError:
        shown = path
    if shown.startswith(os.pardir):
        shown = path
    return f"{shown}:{line}"


def format_error(error: ExceptionInfo) -> list[str]:
    """The traceback as Python prints it, chained exceptions first."""
    chain: list[tuple[ExceptionInfo, str]] = []
    current: Optional[ExceptionInfo] = error
    link = ""
    while current is not None and len(chain) < 20:
        chain.append((current, link))
        if current["cause"] is not None:
            current, link = current["cause"], _CAUSE
        else:
            current, link = current["context"], _CONTEXT
    lines: list[str] = []
    for info, link in reversed(chain):
        lines += _format_one(info)
        if link:
            lines += ["", link, ""]
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
    lines.append(headline_full(info))
    return lines


def headline_full(error: ExceptionInfo) -> str:
    return f"{error['type']}: {error['message']}" if error["message"] else error["type"]
