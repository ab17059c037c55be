"""Turn an ``ExceptionInfo`` (protocol.py) into LSP diagnostics, keyed by file path.

Pure: no I/O, no reading of source files. The rules are DESIGN.md's "What becomes a
diagnostic"; where the error is and how it reads come from locate.py, as for the terminal,
so the squiggle sits where the terminal's ``file:line`` points. Positions: the protocol
gives 1-based lines and 0-based code-point columns plus the line's text; LSP wants 0-based
lines and UTF-16 columns, so every column is converted with the carried text (a character
outside the BMP counts 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Optional

from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from . import exception_docs, framework, locate
from .protocol import ExceptionInfo, Frame, SyntaxInfo
from .text import printable

SOURCE = "Failsafe Flask"
RELATED_CAP = 50  # VS Code renders every entry; a recursion error has ~1000 frames
SECONDARY_CAP = 50  # "called from here" diagnostics per error, for the same reason
MESSAGE_CAP = 2_000  # characters of an error's text in a diagnostic, CUT included (the log has all)
CUT = "… (cut: see the log for the whole message)"

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


def location_range(where: locate.Location) -> lsp.Range:
    line = max(where.line - 1, 0)
    end_line = where.end_line
    if end_line is None or end_line == where.line or where.col is None:
        return _span(line, where.text, where.col, where.end_col)
    # Multi-line (a syntax error's): the end column is on another line; its text is
    # unknown, so it is passed through unconverted (exact for ASCII, as such lines are).
    start = utf16_column(where.text, where.col)
    end = where.end_col if where.end_col is not None else 0
    return lsp.Range(lsp.Position(line, start), lsp.Position(end_line - 1, end))


def frame_range(frame: Frame) -> lsp.Range:
    return location_range(locate.frame_location(frame))


def syntax_range(syntax: SyntaxInfo) -> lsp.Range:
    return location_range(locate.syntax_location(syntax))


def _headline(info: ExceptionInfo) -> str:
    return locate.bounded(locate.full_text(info), MESSAGE_CAP, CUT)


def _diagnostic(
    rng: lsp.Range,
    message: str,
    severity: lsp.DiagnosticSeverity,
    code: str,
    related: Optional[list[lsp.DiagnosticRelatedInformation]] = None,
) -> lsp.Diagnostic:
    """``code`` is the exception type, linked to its documentation when there is one."""
    url = exception_docs.doc_url(code)
    return lsp.Diagnostic(
        range=rng,
        message=printable(message, newlines=True),
        severity=severity,
        code=code,
        code_description=lsp.CodeDescription(href=url) if url else None,
        source=SOURCE,
        related_information=related or None,
    )


def _frame_note(info: ExceptionInfo, frame: Frame, deepest: bool) -> str:
    if deepest:
        return f"in {frame['function']}: {_headline(info)}"
    return f"called from here (in {frame['function']})"


_Related = lsp.DiagnosticRelatedInformation


def related_information(error: ExceptionInfo, anchor: lsp.Location) -> list[_Related]:
    """The project's frames first, then one entry summarising all the others.

    Each exception of the chain (the error, then what led to it) gives its project
    frames innermost first: the caller of the error's own line comes first. A line is
    listed once, and never the error's own (``anchor``, the diagnostic itself). The
    frames of Flask, Jinja, Werkzeug, ... become one entry at the deepest of them, named
    with its package (``jinja2/loaders.py:204``). Capped at RELATED_CAP entries.
    """
    taken = {_line(anchor.uri, anchor.range)}
    entries: list[_Related] = []
    for index, (info, _) in enumerate(locate.chain(error)):
        own = [frame for frame in info["frames"] if locate.is_project_frame(frame)]
        for frame in reversed(own):
            location = lsp.Location(path_uri(frame["file"]), frame_range(frame))
            if _line(location.uri, location.range) not in taken:
                taken.add(_line(location.uri, location.range))
                note = _frame_note(info, frame, deepest=index > 0 and frame is own[-1])
                entries.append(_Related(location, printable(note)))
    hidden = _hidden_entry(error, anchor)
    return _capped(entries, [hidden] if hidden else [], anchor)


def _hidden_entry(error: ExceptionInfo, anchor: lsp.Location) -> Optional[_Related]:
    hidden: list[Frame] = []
    deepest: Optional[Frame] = None  # of the error itself when it has one: where it broke
    for info, _ in locate.chain(error):
        outside = [frame for frame in info["frames"] if not locate.is_project_frame(frame)]
        hidden += outside
        if deepest is None:
            deepest = next((f for f in reversed(outside) if locate.is_real_file(f["file"])), None)
    if not hidden:
        return None
    if deepest is None:  # only <string>-like frames: nothing to open
        return _Related(anchor, f"+ {len(hidden)} frames not in a file of the project")
    location = lsp.Location(path_uri(deepest["file"]), frame_range(deepest))
    return _Related(location, framework.summary(hidden, deepest))


def _capped(entries: list[_Related], tail: list[_Related], anchor: lsp.Location) -> list[_Related]:
    room = RELATED_CAP - len(tail)
    if len(entries) <= room:
        return entries + tail
    cut = len(entries) - (room - 1)
    note = f"... {cut} more frames not shown (see the log for the full traceback)"
    return [*entries[: room - 1], _Related(anchor, note), *tail]


def _line(uri: str, rng: lsp.Range) -> tuple[str, int]:
    return (uri, rng.start.line)


def primary_location(error: ExceptionInfo, entry: str = "") -> Optional[tuple[str, lsp.Range]]:
    """The file and range of the error's own diagnostic (locate.primary's spot)."""
    where = locate.primary(error, entry)
    return None if where is None else (where.file, location_range(where))


def _add(out: DiagnosticMap, path: str, diagnostic: lsp.Diagnostic) -> None:
    """Append unless the same diagnostic is already there (a page reloaded 10 times)."""
    existing = out.setdefault(path, [])
    if diagnostic not in existing:
        existing.append(diagnostic)


def _secondary(out: DiagnosticMap, error: ExceptionInfo, primary: tuple[str, lsp.Range]) -> None:
    """Chained SyntaxErrors as Errors, the other project frames as Information: one per
    line, never on the error's own line (its hover starts with the error itself)."""
    taken = {(primary[0], primary[1].start.line)}
    for index, (info, _) in enumerate(locate.chain(error)):
        found: list[tuple[str, lsp.Range, str, lsp.DiagnosticSeverity]] = []
        syntax = info.get("syntax")
        if index > 0 and syntax is not None and locate.is_real_file(syntax["file"]):
            found.append((syntax["file"], syntax_range(syntax), _headline(info), _ERROR))
        note = f"called from here: {_headline(info)}"
        for frame in info["frames"]:
            if locate.is_project_frame(frame):
                found.append((frame["file"], frame_range(frame), note, _INFO))
        for path, rng, message, severity in found:
            if (path, rng.start.line) not in taken and len(taken) <= SECONDARY_CAP:
                taken.add((path, rng.start.line))
                _add(out, path, _diagnostic(rng, message, severity, info["type"]))


def _build(error: ExceptionInfo, suffix: str, entry: str) -> DiagnosticMap:
    primary = primary_location(error, entry)
    if primary is None:
        return {}
    path, rng = primary
    anchor = lsp.Location(path_uri(path), rng)
    related = related_information(error, anchor)
    out: DiagnosticMap = {}
    message = _headline(error) + suffix
    _add(out, path, _diagnostic(rng, message, _ERROR, error["type"], related))
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
