"""Turn a live exception into the ``ExceptionInfo`` shape of ``failsafe_flask.protocol``.

Pure (reads source lines through ``linecache`` only); standard library only.
"""

from __future__ import annotations

import linecache
import os
import tokenize
import traceback
import warnings
from types import FrameType
from typing import Optional

from failsafe_flask.child.frames import visible
from failsafe_flask.child.paths import absolute_path, is_project_file, is_pseudo_file
from failsafe_flask.protocol import ExceptionInfo, Frame, SyntaxInfo

MAX_MESSAGE = 10_000
TRUNCATED = "… (truncated)"
MAX_FRAMES = 100
HEAD_FRAMES = 20  # the entry point of the failure: where the user's code started it
TAIL_FRAMES = 80  # where it actually broke
MAX_DEPTH = 10  # cause/context links followed


def describe(exc: BaseException, project_root: str) -> ExceptionInfo:
    """The structured form of ``exc`` with its cause / context chain."""
    return _describe(exc, project_root, depth=0, seen=set())


def _describe(exc: BaseException, root: str, depth: int, seen: set[int]) -> ExceptionInfo:
    seen.add(id(exc))
    syntax = syntax_info(exc, root)
    paths = error_paths(exc, root)
    if syntax is not None and syntax["file"] not in paths and not is_pseudo_file(syntax["file"]):
        paths.append(syntax["file"])
    return {
        "type": type_name(type(exc)),
        "message": message_of(exc),
        "frames": frames_of(exc, root),
        "syntax": syntax,
        "paths": paths,
        "cause": _linked(exc.__cause__, root, depth, seen),
        "context": _linked(_shown_context(exc), root, depth, seen),
    }


def _shown_context(exc: BaseException) -> Optional[BaseException]:
    # Mirrors traceback's printing: a context is shown unless suppressed ("from None" or an
    # explicit cause) and unless it is the cause itself.
    if exc.__suppress_context__ or exc.__context__ is exc.__cause__:
        return None
    return exc.__context__


def _linked(
    exc: Optional[BaseException], root: str, depth: int, seen: set[int]
) -> Optional[ExceptionInfo]:
    if exc is None or id(exc) in seen or depth + 1 >= MAX_DEPTH:
        return None
    return _describe(exc, root, depth + 1, seen)


def type_name(cls: type) -> str:
    """``NameError``, ``jinja2.exceptions.TemplateNotFound``: builtins unqualified."""
    module = getattr(cls, "__module__", None)
    qualname = getattr(cls, "__qualname__", cls.__name__)
    if not module or module == "builtins":
        return str(qualname)
    return f"{module}.{qualname}"


def message_of(exc: BaseException) -> str:
    """``str(exc)``, capped; an ``__str__`` that raises must not take the reporter down."""
    try:
        # str(SyntaxError) appends "(file.py, line 3)": the location is reported apart.
        syntax_msg = exc.msg if isinstance(exc, SyntaxError) else None
        text = syntax_msg if isinstance(syntax_msg, str) and syntax_msg else str(exc)
    except BaseException as err:  # user code may fail in any way, even SystemExit
        text = f"<exception str() failed: {type_name(type(err))}>"
    return cap_text(text, MAX_MESSAGE)


def cap_text(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATED


def frames_of(exc: BaseException, root: str) -> list[Frame]:
    """The ``frames.visible`` frames, outermost first; over ``MAX_FRAMES`` keep the head
    and the tail."""
    return _capped_frames(list(traceback.extract_tb(exc.__traceback__)), root)


def stack_frames(frame: Optional[FrameType], root: str) -> list[Frame]:
    """A live stack (``sys._current_frames()``), outermost first, capped as ``frames_of``."""
    return _capped_frames(list(traceback.extract_stack(frame)), root) if frame else []


def _capped_frames(summaries: list[traceback.FrameSummary], root: str) -> list[Frame]:
    summaries = visible(summaries)
    if len(summaries) > MAX_FRAMES:
        summaries = summaries[:HEAD_FRAMES] + summaries[-TAIL_FRAMES:]
    return [_frame(summary, root) for summary in summaries]


def _frame(summary: traceback.FrameSummary, root: str) -> Frame:
    file = absolute_path(summary.filename, root)
    line = summary.lineno or 0
    end_line = getattr(summary, "end_lineno", None)  # Python 3.11+
    text = source_line(summary.filename, line)
    end_text = text if end_line in (None, line) else source_line(summary.filename, end_line)
    return {
        "file": file,
        "line": line,
        "end_line": end_line,
        "col": byte_to_char(text, getattr(summary, "colno", None)),
        "end_col": byte_to_char(end_text, getattr(summary, "end_colno", None)),
        "function": summary.name,
        "text": text,
        "project": is_project_file(file, root),
    }


def source_line(filename: str, line: Optional[int]) -> str:
    """The whole line (indentation kept, newline dropped) so columns index into it."""
    if not line or is_pseudo_file(filename):
        return ""
    return linecache.getline(filename, line).rstrip("\r\n")


def byte_to_char(text: str, offset: Optional[int]) -> Optional[int]:
    """A UTF-8 byte offset into ``text`` (as ``co_positions`` gives) as a code-point index."""
    if offset is None or offset < 0 or not text:
        return None
    encoded = text.encode("utf-8")
    if offset > len(encoded):
        return None  # the file changed since it was compiled: the offset means nothing now
    return len(encoded[:offset].decode("utf-8", errors="replace"))


def syntax_info(exc: BaseException, root: str) -> Optional[SyntaxInfo]:
    """The range of a SyntaxError (and IndentationError / TabError), 0-based columns."""
    if not isinstance(exc, SyntaxError) or not exc.lineno:
        return None
    file = absolute_path(exc.filename or "", root)
    text = (exc.text or "").rstrip("\r\n") or source_line(exc.filename or "", exc.lineno)
    offset, end_offset = _char_offsets(exc)
    return {
        "file": file,
        "line": exc.lineno,
        "col": _syntax_col(offset),
        "end_line": getattr(exc, "end_lineno", None),
        "end_col": _syntax_col(end_offset),
        "text": text,
    }


def _syntax_col(offset: Optional[int]) -> Optional[int]:
    # 1-based and exclusive at the end; 0 or less means unknown.
    if not isinstance(offset, int) or offset <= 0:
        return None
    return offset - 1


def _char_offsets(exc: SyntaxError) -> tuple[Optional[int], Optional[int]]:
    """The error's offsets in code points.

    Compiled from text, CPython reports code points; compiled from bytes (every import)
    most parser errors report UTF-8 byte offsets instead (seen on 3.11), so a line with
    "é" before the error is off. Compiling the file again as text (never running it)
    gives the offsets in code points when it reproduces the same error.
    """
    end_offset = getattr(exc, "end_offset", None)
    again = _compile_as_text(exc.filename)
    if again is not None and (again.lineno, again.msg) == (exc.lineno, exc.msg):
        return again.offset, getattr(again, "end_offset", None)
    return exc.offset, end_offset


def _compile_as_text(filename: Optional[str]) -> Optional[SyntaxError]:
    if not filename or is_pseudo_file(filename) or not os.path.isfile(filename):
        return None
    try:
        with tokenize.open(filename) as file:  # honours the coding cookie, as import does
            source = file.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings were shown at import already
            compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as again:
        return again
    except Exception:  # unreadable, null bytes, ...: keep the offsets we were given
        return None
    return None


def error_paths(exc: BaseException, root: str) -> list[str]:
    """Files the error names outside its frames: a missing config file, a bad template."""
    names: list[object] = []
    if isinstance(exc, OSError):
        names += [exc.filename, exc.filename2]
    if _is_template_syntax_error(type(exc)):
        names.append(getattr(exc, "filename", None))
    paths: list[str] = []
    for name in names:
        path = _as_path(name)
        if path is not None:
            absolute = absolute_path(path, root)
            if absolute not in paths:
                paths.append(absolute)
    return paths


def _is_template_syntax_error(cls: type) -> bool:
    # Matched by name: the app process must not import jinja2 just to ask.
    return any(
        base.__name__ == "TemplateSyntaxError" and base.__module__.startswith("jinja2")
        for base in cls.__mro__
    )


def _as_path(name: object) -> Optional[str]:
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if isinstance(name, str) and name and not is_pseudo_file(name):
        return name
    return None
