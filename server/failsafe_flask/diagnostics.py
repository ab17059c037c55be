"""Turn an ``ExceptionInfo`` (protocol.py) into LSP diagnostics, keyed by file path.

Pure: no I/O, no reading of source files. The rules are DESIGN.md's "What becomes a
diagnostic". Positions: the protocol gives 1-based lines and 0-based code-point columns
plus the line's text; LSP wants 0-based lines and UTF-16 columns, so every column is
converted with the carried text (a character outside the BMP counts 2).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Optional

from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from .protocol import ExceptionInfo, Frame, SyntaxInfo
from .text import printable

SOURCE = "Failsafe Flask"
RELATED_CAP = 50  # VS Code renders every entry; a recursion error has ~1000 frames
SECONDARY_CAP = 50  # "called from here" diagnostics per error, for the same reason
MESSAGE_CAP = 2_000  # characters of the exception's message in a diagnostic (the log has it all)
CUT = "… (cut: see the log for the whole message)"
_MAX_CHAIN = 20  # guards against a cyclic or absurdly long cause/context chain

DiagnosticMap = dict[str, list[lsp.Diagnostic]]
_ERROR = lsp.DiagnosticSeverity.Error
_INFO = lsp.DiagnosticSeverity.Information


def utf16_column(text: str, col: int) -> int:
    """Code-point column -> UTF-16 column within ``text`` (past the end stays as is)."""
    head = text[:col]
    return col + sum(1 for ch in head if ord(ch) > 0xFFFF)


def path_uri(path: str) -> str:
    """The URI clients expect for a file path (pygls's own conversion, so keys match)."""
    return from_fs_path(path) or path


def chain(error: ExceptionInfo) -> list[ExceptionInfo]:
    """The exception itself (the last raised) first, then its cause/context, in order."""
    out: list[ExceptionInfo] = []
    current: Optional[ExceptionInfo] = error
    while current is not None and len(out) < _MAX_CHAIN:
        out.append(current)
        # __cause__ wins: Python prints the context only when no cause is set.
        current = current.get("cause") or current.get("context")
    return out


def _deepest_project_frame(info: ExceptionInfo) -> Optional[Frame]:
    project = [f for f in info["frames"] if f["project"] and os.path.isabs(f["file"])]
    return project[-1] if project else None


def _primary(error: ExceptionInfo) -> Optional[tuple[ExceptionInfo, Frame]]:
    """The deepest project frame of the exception itself, else of its causes, in order."""
    for info in chain(error):
        frame = _deepest_project_frame(info)
        if frame is not None:
            return info, frame
    return None


def _whole_line(line: int, text: str) -> lsp.Range:
    stripped = text.rstrip()
    if not stripped:
        # Unknown text: cover the whole line so every client shows something.
        return lsp.Range(lsp.Position(line, 0), lsp.Position(line + 1, 0))
    start = len(stripped) - len(stripped.lstrip())
    return lsp.Range(
        lsp.Position(line, utf16_column(text, start)),
        lsp.Position(line, utf16_column(text, len(stripped))),
    )


def _span(line: int, text: str, col: Optional[int], end_col: Optional[int]) -> lsp.Range:
    """A range on one line from code-point columns; whole line when the column is unknown."""
    if col is None:
        return _whole_line(line, text)
    # An unknown or empty end still gets one character, so the squiggle is visible.
    end = end_col if end_col is not None and end_col > col else col + 1
    return lsp.Range(
        lsp.Position(line, utf16_column(text, col)),
        lsp.Position(line, utf16_column(text, end)),
    )


def frame_range(frame: Frame) -> lsp.Range:
    line = max(frame["line"] - 1, 0)
    end_col = frame["end_col"]
    if frame["end_line"] not in (None, frame["line"]):
        # The end column belongs to a later line whose text we do not have: stop at
        # the end of the first line instead of guessing a UTF-16 offset.
        end_col = len(frame["text"].rstrip())
    return _span(line, frame["text"], frame["col"], end_col)


def syntax_range(syntax: SyntaxInfo) -> lsp.Range:
    line = max(syntax["line"] - 1, 0)
    end_line = syntax["end_line"]
    if end_line is None or end_line == syntax["line"] or syntax["col"] is None:
        return _span(line, syntax["text"], syntax["col"], syntax["end_col"])
    # Multi-line: the end column is on another line; its text is unknown, so it is
    # passed through unconverted (exact for ASCII, which such lines nearly always are).
    start = utf16_column(syntax["text"], syntax["col"])
    end = syntax["end_col"] if syntax["end_col"] is not None else 0
    return lsp.Range(lsp.Position(line, start), lsp.Position(end_line - 1, end))


def _headline(info: ExceptionInfo) -> str:
    message = info["message"]
    if len(message) > MESSAGE_CAP:
        message = message[:MESSAGE_CAP] + CUT
    return f"{info['type']}: {message}" if message else info["type"]


def _diagnostic(
    rng: lsp.Range,
    message: str,
    severity: lsp.DiagnosticSeverity,
    related: Optional[list[lsp.DiagnosticRelatedInformation]] = None,
) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=rng,
        message=printable(message, newlines=True),
        severity=severity,
        source=SOURCE,
        related_information=related or None,
    )


def _frame_note(info: ExceptionInfo, frame: Frame, deepest: bool) -> str:
    if deepest:
        return f"in {frame['function']}: {_headline(info)}"
    return f"called from here (in {frame['function']})"


def related_information(
    error: ExceptionInfo, anchor: lsp.Location
) -> list[lsp.DiagnosticRelatedInformation]:
    """Every frame of the chain with a real file, as printed, capped at RELATED_CAP."""
    entries: list[lsp.DiagnosticRelatedInformation] = []
    for info in chain(error):
        frames = [f for f in info["frames"] if os.path.isabs(f["file"])]
        for i, frame in enumerate(frames):
            location = lsp.Location(path_uri(frame["file"]), frame_range(frame))
            note = _frame_note(info, frame, deepest=i == len(frames) - 1)
            entries.append(lsp.DiagnosticRelatedInformation(location, printable(note)))
    if len(entries) <= RELATED_CAP:
        return entries
    cut = len(entries) - (RELATED_CAP - 1)
    note = f"... {cut} more frames not shown (see the log for the full traceback)"
    return [*entries[: RELATED_CAP - 1], lsp.DiagnosticRelatedInformation(anchor, note)]


def _primary_location(error: ExceptionInfo, entry: str) -> Optional[tuple[str, lsp.Range]]:
    syntax = error.get("syntax")
    if syntax is not None and os.path.isabs(syntax["file"]):
        return syntax["file"], syntax_range(syntax)
    found = _primary(error)
    if found is not None:
        return found[1]["file"], frame_range(found[1])
    if entry:
        # No frame in the project (e.g. a missing package): the entry file, first line.
        return entry, lsp.Range(lsp.Position(0, 0), lsp.Position(1, 0))
    return None


def _add(out: DiagnosticMap, path: str, diagnostic: lsp.Diagnostic) -> None:
    """Append unless the same diagnostic is already there (a page reloaded 10 times)."""
    existing = out.setdefault(path, [])
    if diagnostic not in existing:
        existing.append(diagnostic)


_Spot = tuple[str, int, int, int, int]  # file and range, hashable (lsprotocol's are not)


def _spot(path: str, rng: lsp.Range) -> _Spot:
    return (path, rng.start.line, rng.start.character, rng.end.line, rng.end.character)


def _secondary(out: DiagnosticMap, error: ExceptionInfo, primary: tuple[str, lsp.Range]) -> None:
    """Chained SyntaxErrors as Errors, the other project frames as Information."""
    taken = {_spot(*primary)}
    for index, info in enumerate(chain(error)):
        found: list[tuple[str, lsp.Range, str, lsp.DiagnosticSeverity]] = []
        syntax = info.get("syntax")
        if index > 0 and syntax is not None and os.path.isabs(syntax["file"]):
            found.append((syntax["file"], syntax_range(syntax), _headline(info), _ERROR))
        note = f"called from here: {_headline(info)}"
        for frame in info["frames"]:
            if frame["project"] and os.path.isabs(frame["file"]):
                found.append((frame["file"], frame_range(frame), note, _INFO))
        for path, rng, message, severity in found:
            if _spot(path, rng) not in taken and len(taken) <= SECONDARY_CAP:
                taken.add(_spot(path, rng))
                _add(out, path, _diagnostic(rng, message, severity))


def _build(error: ExceptionInfo, suffix: str, entry: str) -> DiagnosticMap:
    primary = _primary_location(error, entry)
    if primary is None:
        return {}
    path, rng = primary
    anchor = lsp.Location(path_uri(path), rng)
    related = related_information(error, anchor)
    out: DiagnosticMap = {}
    message = _headline(error) + suffix
    _add(out, path, _diagnostic(rng, message, _ERROR, related))
    _secondary(out, error, primary)
    return out


def load_error_diagnostics(error: ExceptionInfo, entry: str = "") -> DiagnosticMap:
    """Diagnostics for an error that stopped the app from loading."""
    return _build(error, "", entry)


def request_error_diagnostics(
    error: ExceptionInfo, method: str, path: str, entry: str = ""
) -> DiagnosticMap:
    """Diagnostics for an exception raised while serving ``method path``."""
    # The request is one line, whatever a page put in it (the message may span several).
    return _build(error, printable(f" ({method} {path})"), entry)


def merge(base: Mapping[str, list[lsp.Diagnostic]], extra: DiagnosticMap) -> DiagnosticMap:
    """``base`` plus ``extra``, per file, without duplicates (inputs left untouched)."""
    out: DiagnosticMap = {path: list(items) for path, items in base.items()}
    for path, items in extra.items():
        for item in items:
            _add(out, path, item)
    return out


def files_to_clear(previous: Iterable[str], current: Mapping[str, object]) -> list[str]:
    """Files that had diagnostics and have none now: each gets an empty list."""
    return sorted(set(previous) - set(current))
