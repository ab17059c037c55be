"""Where an error is and how it reads: the one rule behind the terminal, the diagnostics
and the restart triggers, so the ``file:line`` printed and the squiggle never disagree.

Pure: no I/O. It reads an ``ExceptionInfo`` (protocol.py); showing it is the callers' job
(LSP ranges in diagnostics.py, ``file:line`` and tracebacks in supervisor/summary.py).
Lines are 1-based and columns 0-based code points, as the protocol gives them.
"""

from __future__ import annotations

import os
from typing import NamedTuple, Optional

from .protocol import ExceptionInfo, Frame, SyntaxInfo

CHAIN_CAP = 20  # exceptions read per error: ends a cyclic or absurdly long chain
HEADLINE_CAP = 300  # characters of a one-line headline

CAUSE = "cause"  # raise ... from ...
CONTEXT = "context"  # raised while handling another


class Link(NamedTuple):
    info: ExceptionInfo
    how: str  # "" for the error itself, else CAUSE or CONTEXT: how it led to its parent


class Location(NamedTuple):
    file: str  # a real file (an absolute path)
    line: int  # 1-based
    col: Optional[int]  # 0-based code point; None: the whole line
    end_line: Optional[int]  # 1-based; None when unknown
    end_col: Optional[int]  # 0-based, exclusive, on end_line
    text: str  # the text of ``line``, "" when unknown (a consumer converts columns with it)


def chain(error: ExceptionInfo) -> list[Link]:
    """The error first, then what led to it: a cause (and its own chain) before a context.

    Python prints a context only when there is no cause, and setting a cause suppresses
    the context, so the app process sends one of the two; were both sent, both are read.
    Each exception is read once (a cycle ends) and at most CHAIN_CAP of them.
    """
    out: list[Link] = []
    seen: set[int] = set()
    pending = [Link(error, "")]
    while pending and len(out) < CHAIN_CAP:
        link = pending.pop()
        if id(link.info) in seen:
            continue
        seen.add(id(link.info))
        out.append(link)
        # Pushed in reverse: the cause is read first.
        for how, linked in ((CONTEXT, link.info.get("context")), (CAUSE, link.info.get("cause"))):
            if linked is not None:
                pending.append(Link(linked, how))
    return out


def full_text(info: ExceptionInfo) -> str:
    """``Type: message`` as the last line of a printed traceback says it, whole."""
    return f"{info['type']}: {info['message']}" if info["message"] else info["type"]


def bounded(text: str, cap: int, mark: str = "…") -> str:
    """``text`` cut to at most ``cap`` characters, ``mark`` saying so."""
    return text if len(text) <= cap else text[: cap - len(mark)] + mark


def headline(info: ExceptionInfo) -> str:
    """The first line of ``full_text``, bounded: one line of a terminal or a status."""
    lines = full_text(info).splitlines()
    return bounded(lines[0] if lines else "", HEADLINE_CAP)


def is_real_file(path: str) -> bool:
    """A file on disk, not ``<string>`` or ``<frozen importlib._bootstrap>``: the app
    process reports every real file as an absolute path."""
    return os.path.isabs(path)


def is_project_frame(frame: Frame) -> bool:
    return frame["project"] and is_real_file(frame["file"])


def frame_location(frame: Frame) -> Location:
    """A frame's spot, on its first line: an end on a later line (whose text is not
    carried) becomes the end of the first line's text rather than a guess."""
    end_col = frame["end_col"]
    if frame["end_line"] not in (None, frame["line"]):
        end_col = len(frame["text"].rstrip())
    line = frame["line"]
    return Location(frame["file"], line, frame["col"], line, end_col, frame["text"])


def syntax_location(syntax: SyntaxInfo) -> Location:
    return Location(
        syntax["file"],
        syntax["line"],
        syntax["col"],
        syntax["end_line"],
        syntax["end_col"],
        syntax["text"],
    )


def _own_location(info: ExceptionInfo) -> Optional[Location]:
    syntax = info.get("syntax")
    if syntax is not None and is_real_file(syntax["file"]):
        return syntax_location(syntax)
    frames = [frame for frame in info["frames"] if is_project_frame(frame)]
    return frame_location(frames[-1]) if frames else None


def primary(error: ExceptionInfo, entry: str = "") -> Optional[Location]:
    """Where the user should look, for the terminal and the diagnostic alike.

    The first exception of the chain that points into a real project file gives it: its
    syntax error's own spot (one in ``<string>`` cannot be opened, so the project line
    that compiled it is taken instead), else its deepest project frame. With no project
    frame at all (a missing package), the first line of the app's entry file, when known.
    """
    for link in chain(error):
        found = _own_location(link.info)
        if found is not None:
            return found
    return Location(entry, 1, None, None, None, "") if entry else None
