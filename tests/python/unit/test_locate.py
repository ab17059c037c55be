"""The terminal and the squiggle point at the same file and line: locate.py decides once.

Each error is raised by real files in a temporary Flask project and described by the app
process's own describer; then the terminal's text (``failsafe-flask run``), the
supervisor's status line and the language server's diagnostic are read for their spot.
"""

from __future__ import annotations

import io
import linecache
import os
import re
import runpy
from pathlib import Path
from typing import Optional

import pytest
from lsprotocol import types as lsp

from failsafe_flask import diagnostics, locate
from failsafe_flask.child.exceptions import describe
from failsafe_flask.config import AppConfig
from failsafe_flask.protocol import ExceptionInfo, Frame
from failsafe_flask.supervisor.events import AppLoadError, AppRequestError
from failsafe_flask.supervisor.summary import format_error, status_line
from failsafe_flask.supervisor.triggers import files_named_by
from failsafe_flask.terminal import TerminalReporter

Spot = Optional[tuple[str, int]]  # absolute file, 1-based line
FLASK_APP = "from flask import Flask\n\napp = Flask(__name__)\n"


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root / "app.py"


def _load(root: Path, files: dict[str, str]) -> ExceptionInfo:
    """Run ``app.py`` as the app process loads it; describe what it raised."""
    main = _write(root, files)
    linecache.checkcache()
    with pytest.raises(BaseException) as caught:
        runpy.run_path(str(main), run_name="__main__")
    return describe(caught.value, str(root))


def _spot(root: str, match: Optional[re.Match[str]]) -> Spot:
    return None if match is None else (os.path.join(root, match[1]), int(match[2]))


def _printed(root: str, event: object) -> str:
    out = io.StringIO()
    TerminalReporter(AppConfig(project_root=Path(root)), out)(event)  # type: ignore[arg-type]
    return out.getvalue().splitlines()[-1]


def _diagnosed(found: diagnostics.DiagnosticMap, message: str) -> Spot:
    own = [
        (path, item.range.start.line + 1)
        for path, items in found.items()
        for item in items
        if item.severity == lsp.DiagnosticSeverity.Error and item.message == message
    ]
    assert len(own) <= 1, own
    return own[0] if own else None


def _load_spots(info: ExceptionInfo, root: str, entry: str) -> list[Spot]:
    """The spot of a load error in the terminal, the status and the diagnostic."""
    printed = _printed(root, AppLoadError(info, [], entry))
    status = status_line(info, root, entry)
    assert status.startswith(locate.headline(info))
    found = diagnostics.load_error_diagnostics(info, entry)
    return [
        _spot(root, re.search(r"failed to load at (\S+):(\d+);", printed)),
        _spot(root, re.search(r" \((\S+):(\d+)\)$", status)),
        _diagnosed(found, locate.full_text(info)),
    ]


def _request_spots(info: ExceptionInfo, root: str) -> list[Spot]:
    """The spot of a request error in the terminal and the diagnostic (no entry file)."""
    printed = _printed(root, AppRequestError("GET", "/", info))
    assert f"raised {locate.headline(info)}" in printed
    found = diagnostics.request_error_diagnostics(info, "GET", "/")
    return [
        _spot(root, re.search(r" at (\S+):(\d+)$", printed)),
        _diagnosed(found, locate.full_text(info) + " (GET /)"),
    ]


def _agree(info: ExceptionInfo, root: Path, expected: Spot, entry: str = "") -> None:
    """Load and request errors alike: the spot is in the project, not the entry fallback."""
    assert _load_spots(info, str(root), entry) == [expected] * 3
    assert _request_spots(info, str(root)) == [expected] * 2


def _agree_on_the_entry(info: ExceptionInfo, root: Path, entry: str) -> None:
    """Nothing in the project: a load error is on the entry file, a request error nowhere."""
    assert _load_spots(info, str(root), entry) == [(entry, 1)] * 3
    assert _request_spots(info, str(root)) == [None] * 2


def test_syntax_error_in_a_project_file(project: Path) -> None:
    files = {"app.py": FLASK_APP + "import views\n", "views.py": "x = 1\nmsg = 'ünï' + )\n"}
    info = _load(project, files)
    assert info["type"] == "SyntaxError"
    _agree(info, project, (str(project / "views.py"), 2), entry=str(project / "app.py"))


def test_syntax_error_in_a_string_points_at_the_project_line_that_compiled_it(
    project: Path,
) -> None:
    # "<string>" cannot be opened in the editor; the traceback still shows it.
    source = FLASK_APP + 'rules = "x = ("\nexec(compile(rules, "<string>", "exec"))\n'
    info = _load(project, {"app.py": source})
    assert info["syntax"] is not None and info["syntax"]["file"] == "<string>"
    _agree(info, project, (str(project / "app.py"), 5), entry=str(project / "app.py"))
    assert '  File "<string>", line 1' in format_error(info)


def test_name_error_in_a_project_module_imported_by_installed_code(project: Path) -> None:
    # Flask's from_object imports "settings" through Werkzeug (site-packages).
    settings = "DEBUG = True\nSECRET_KEY = secret_from_vault\n"
    source = FLASK_APP + 'app.config.from_object("settings")\n'
    info = _load(project, {"app.py": source, "settings.py": settings})
    assert any("site-packages" in frame["file"] for frame in info["frames"])
    _agree(info, project, (str(project / "settings.py"), 2), entry=str(project / "app.py"))


def test_a_chained_error_is_where_it_was_raised(project: Path) -> None:
    source = FLASK_APP + (
        "def port():\n"
        "    try:\n"
        "        return int('eighty')\n"
        "    except ValueError as exc:\n"
        "        raise RuntimeError('PORT must be a number') from exc\n"
        "\n"
        "port()\n"
    )
    info = _load(project, {"app.py": source})
    assert info["cause"] is not None
    _agree(info, project, (str(project / "app.py"), 8), entry=str(project / "app.py"))


def test_a_context_chain_is_where_the_last_error_was_raised(project: Path) -> None:
    source = FLASK_APP + (
        "try:\n    key = app.config['SECRET_KEY'] or {}['key']\n"
        "except KeyError:\n    key = default_key\n"
    )
    info = _load(project, {"app.py": source})
    assert info["context"] is not None and info["cause"] is None
    _agree(info, project, (str(project / "app.py"), 7), entry=str(project / "app.py"))


def test_no_project_frame_falls_back_to_the_entry_file(project: Path) -> None:
    import json

    try:
        json.loads("{")
    except ValueError as exc:
        info = describe(exc, str(project))
    _agree_on_the_entry(info, project, str(project / "app.py"))
    assert _load_spots(info, str(project), "") == [None] * 3


def _error(kind: str, frames: list[Frame]) -> ExceptionInfo:
    return {
        "type": kind, "message": "wrapped", "frames": frames, "syntax": None,
        "paths": [], "cause": None, "context": None,
    }  # fmt: skip


def _linked(frames: list[list[Frame]]) -> list[ExceptionInfo]:
    """One error per list of frames, each caused by the next."""
    infos = [_error(f"E{i}", own) for i, own in enumerate(frames)]
    for info, cause in zip(infos, infos[1:]):
        info["cause"] = cause
    return infos


def _frame(file: Path, line: int) -> Frame:
    return {
        "file": str(file), "line": line, "end_line": line, "col": 0, "end_col": 5,
        "function": "load", "text": "load()", "project": True,
    }  # fmt: skip


def test_the_chain_is_read_up_to_its_cap(tmp_path: Path) -> None:
    entry = str(tmp_path / "app.py")
    for deep in (locate.CHAIN_CAP - 1, locate.CHAIN_CAP):
        frames: list[list[Frame]] = [[] for _ in range(locate.CHAIN_CAP + 5)]
        frames[deep] = [_frame(tmp_path / "deep.py", 4)]
        top = _linked(frames)[0]
        assert len(locate.chain(top)) == locate.CHAIN_CAP
        if deep < locate.CHAIN_CAP:
            _agree(top, tmp_path, (str(tmp_path / "deep.py"), 4), entry=entry)
            assert files_named_by(top) == {str(tmp_path / "deep.py")}
        else:
            _agree_on_the_entry(top, tmp_path, entry)
            assert files_named_by(top) == set()


def test_a_cyclic_chain_is_read_once(tmp_path: Path) -> None:
    first, second = _linked([[], [_frame(tmp_path / "views.py", 9)]])
    second["cause"] = first  # never sent by the app process, but a loop must end anyway
    second["context"] = second
    assert [link.info for link in locate.chain(first)] == [first, second]
    _agree(first, tmp_path, (str(tmp_path / "views.py"), 9), entry=str(tmp_path / "app.py"))
    assert files_named_by(first) == {str(tmp_path / "views.py")}
    assert format_error(first).count("E0: wrapped") == 1


def test_the_headline_is_the_first_line_of_the_diagnostic_message() -> None:
    [info] = _linked([[]])
    info["message"] = "line one\nline two"
    assert locate.headline(info) == "E0: line one"
    assert locate.full_text(info) == "E0: line one\nline two"
    assert format_error(info)[-1] == "E0: line one\nline two"
