"""diagnostics.py from real exceptions raised by real files in a temporary project."""

from __future__ import annotations

import linecache
import runpy
import traceback
from pathlib import Path
from typing import Callable, Optional

import pytest
from lsprotocol import types as lsp

from failsafe_flask import diagnostics as d
from failsafe_flask.protocol import ExceptionInfo, Frame

try:  # the app process's own describer, when it has landed
    from failsafe_flask.child.exceptions import describe as _describe
except ImportError:  # pragma: no cover - only until child/exceptions.py exists
    _describe = None

Describe = Callable[[BaseException, str], ExceptionInfo]


def _col(text: str, byte_col: Optional[int]) -> Optional[int]:
    if byte_col is None:
        return None
    return len(text.encode()[:byte_col].decode(errors="replace"))


def _frame(fs: traceback.FrameSummary, root: str) -> Frame:
    text = linecache.getline(fs.filename, fs.lineno or 0).rstrip("\n")
    return {
        "file": fs.filename,
        "line": fs.lineno or 0,
        "end_line": fs.end_lineno,
        "col": _col(text, fs.colno),
        "end_col": _col(text, fs.end_colno),
        "function": fs.name,
        "text": text,
        "project": fs.filename.startswith(root),
    }


def _type_name(cls: type) -> str:
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def _fallback_describe(exc: BaseException, root: str) -> ExceptionInfo:
    """Minimal stand-in for child.exceptions.describe (same shapes, same rules)."""
    syntax = None
    if isinstance(exc, SyntaxError) and exc.filename:
        text = (exc.text or "").rstrip("\n")
        syntax = {
            "file": exc.filename,
            "line": exc.lineno or 1,
            "col": (exc.offset - 1) if exc.offset else None,
            "end_line": exc.end_lineno,
            "end_col": (exc.end_offset - 1) if exc.end_offset else None,
            "text": text,
        }
    cause, context = exc.__cause__, exc.__context__
    return {
        "type": _type_name(type(exc)),
        "message": str(exc),
        "frames": [_frame(fs, root) for fs in traceback.extract_tb(exc.__traceback__)],
        "syntax": syntax,  # type: ignore[typeddict-item]
        "paths": [],
        "cause": _fallback_describe(cause, root) if cause else None,
        "context": _fallback_describe(context, root)
        if context and not exc.__suppress_context__
        else None,
    }


@pytest.fixture
def describe() -> Describe:
    return _describe or _fallback_describe


def _raise(main: Path, describe: Describe) -> ExceptionInfo:
    """Run ``main`` as a script, as the app process would load it; describe its error."""
    linecache.checkcache()
    with pytest.raises(BaseException) as caught:
        runpy.run_path(str(main), run_name="__main__")
    return describe(caught.value, str(main.parent))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _rng(r: lsp.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def _errors(found: dict[str, list[lsp.Diagnostic]], path: Path) -> list[lsp.Diagnostic]:
    return [x for x in found[str(path)] if x.severity == lsp.DiagnosticSeverity.Error]


def _infos(found: dict[str, list[lsp.Diagnostic]], path: Path) -> list[lsp.Diagnostic]:
    return [x for x in found.get(str(path), []) if x.severity != lsp.DiagnosticSeverity.Error]


ERROR_LINE = 's = "héllo 🐍"; x = undefined_name\n'


def test_name_error_in_imported_module_non_ascii(project: Path, describe: Describe) -> None:
    helper = _write(project / "helper.py", "def ok():\n    return 1\n" + ERROR_LINE)
    app = _write(project / "app.py", "import os\nimport helper\n")
    found = d.load_error_diagnostics(_raise(app, describe), entry=str(app))

    [error] = _errors(found, helper)
    col = ERROR_LINE.index("undefined_name") + 1  # the snake is 2 UTF-16 units
    assert _rng(error.range) == (2, col, 2, col + len("undefined_name"))
    assert error.message == "NameError: name 'undefined_name' is not defined"
    assert error.source == "Failsafe Flask"
    related = error.related_information or []
    importing = [r for r in related if r.location.uri == d.path_uri(str(app))]
    assert [_rng(r.location.range) for r in importing] == [(1, 0, 1, len("import helper"))]
    assert importing[0].message == "called from here (in <module>)"
    # The project's frames first, never the error's own line, then one summary of the rest.
    assert related[0] == importing[0]
    assert all(r.location.uri != d.path_uri(str(helper)) for r in related)
    assert [r.message[:2] for r in related[1:]] == ["+ "]
    assert error.code == "NameError"
    assert error.code_description is not None
    assert error.code_description.href.endswith("/library/exceptions.html#NameError")
    [info] = _infos(found, app)
    assert info.severity == lsp.DiagnosticSeverity.Information
    assert info.message == "called from here: " + error.message
    assert _rng(info.range) == (1, 0, 1, len("import helper"))


def test_syntax_error_at_its_exact_range(project: Path, describe: Describe) -> None:
    bad_line = 'msg = "ünï 🐍" + )\n'
    helper = _write(project / "helper.py", "x = 1\n" + bad_line)
    app = _write(project / "app.py", "import helper\n")
    found = d.load_error_diagnostics(_raise(app, describe), entry=str(app))

    [error] = _errors(found, helper)
    col = bad_line.index(")") + 1  # the snake before it counts 2
    assert _rng(error.range) == (1, col, 1, col + 1)
    assert error.message == "SyntaxError: unmatched ')'"
    assert [i.message for i in _infos(found, app)] == [
        "called from here: SyntaxError: unmatched ')'"
    ]


def test_error_in_factory_lands_on_the_factory_line(project: Path, describe: Describe) -> None:
    source = "def load():\n    return {}\n\ndef create_app():\n    config = load()\n"
    source += '    return config["SECRET"]\n\napp = create_app()\n'
    app = _write(project / "app.py", source)
    found = d.load_error_diagnostics(_raise(app, describe), entry=str(app))

    [error] = _errors(found, app)
    start = len("    return ")
    assert _rng(error.range) == (5, start, 5, start + len('config["SECRET"]'))
    assert error.message == "KeyError: 'SECRET'"
    assert [_rng(i.range) for i in _infos(found, app)] == [(7, 6, 7, len("app = create_app()"))]


def test_chained_cause_is_related_and_informational(project: Path, describe: Describe) -> None:
    source = "def port():\n    try:\n        return int('abc')\n"
    source += (
        "    except ValueError as e:\n        raise RuntimeError('bad PORT') from e\n\nport()\n"
    )
    app = _write(project / "app.py", source)
    found = d.load_error_diagnostics(_raise(app, describe), entry=str(app))

    [error] = _errors(found, app)
    assert error.message == "RuntimeError: bad PORT"
    assert error.range.start.line == 4
    notes = [r.message for r in error.related_information or []]
    assert "in port: ValueError: invalid literal for int() with base 10: 'abc'" in notes
    infos = {i.range.start.line: i.message for i in _infos(found, app)}
    assert infos[2] == "called from here: ValueError: invalid literal for int() with base 10: 'abc'"
    assert infos[6] == "called from here: RuntimeError: bad PORT"


def test_cause_gives_the_location_when_the_exception_has_no_project_frame(
    project: Path, describe: Describe
) -> None:
    app = _write(project / "app.py", "import json\n\nvalue = json.loads('{')\n")
    cause = _raise(app, describe)
    outside: Frame = {**cause["frames"][0], "project": False, "function": "wrapper"}
    top: ExceptionInfo = {
        **cause,
        "type": "RuntimeError",
        "message": "wrapped",
        "frames": [outside],
        "cause": cause,
        "context": None,
    }
    found = d.load_error_diagnostics(top, entry=str(app))
    [error] = _errors(found, app)
    assert error.message == "RuntimeError: wrapped"
    assert _rng(error.range) == (2, 8, 2, len("value = json.loads('{')"))


def test_no_project_frame_goes_on_the_entry_file(project: Path, describe: Describe) -> None:
    import json

    try:
        json.loads("{")
    except ValueError as exc:
        info = describe(exc, str(project))
    entry = str(project / "app.py")
    found = d.load_error_diagnostics(info, entry=entry)
    [error] = found[entry]
    assert _rng(error.range) == (0, 0, 1, 0)
    assert error.message.startswith("json.decoder.JSONDecodeError: Expecting property name")
    assert d.load_error_diagnostics(info) == {}


def test_request_error_names_the_request_and_merges(project: Path, describe: Describe) -> None:
    views = _write(project / "views.py", "def index():\n    return 1 / 0\n")
    app = _write(project / "app.py", "from views import index\nindex()\n")
    info = _raise(app, describe)
    found = d.request_error_diagnostics(info, "GET", "/hello")
    [error] = _errors(found, views)
    assert error.message == "ZeroDivisionError: division by zero (GET /hello)"
    assert _rng(error.range) == (1, 11, 1, 16)
    again = d.merge(found, d.request_error_diagnostics(info, "GET", "/hello"))
    assert again == found  # the same request failing twice shows once
    other = d.merge(found, d.request_error_diagnostics(info, "POST", "/"))
    assert len(_errors(other, views)) == 2


def test_related_information_is_capped_and_says_so(project: Path, describe: Describe) -> None:
    count = 80  # distinct project lines: each one would be an entry
    source = "".join(f"def f{i}():\n    return f{i + 1}()\n" for i in range(count))
    source += f"def f{count}():\n    raise ValueError('deep')\n\nf0()\n"
    app = _write(project / "app.py", source)
    found = d.load_error_diagnostics(_raise(app, describe), entry=str(app))
    [error] = _errors(found, app)
    related = error.related_information or []
    assert len(related) == d.RELATED_CAP
    # The error's own line is left out: 81 other project lines, 48 shown, the summary last.
    assert related[-2].message.startswith("... 33 more frames not shown")
    assert related[-2].location.uri == d.path_uri(str(app))
    assert related[-1].message.startswith("+ ")


def test_a_recursion_lists_each_line_once(project: Path, describe: Describe) -> None:
    source = "def down(n):\n    if n == 0:\n        raise ValueError('deep')\n"
    source += "    return down(n - 1)\n\ndown(80)\n"
    app = _write(project / "app.py", source)
    found = d.load_error_diagnostics(_raise(app, describe), entry=str(app))
    [error] = _errors(found, app)
    lines = [r.location.range.start.line for r in error.related_information or []][:-1]
    assert lines == [3, 5]  # the recursive call, then the first call; not 80 times
    assert [i.range.start.line for i in _infos(found, app)] == [5, 3]


def test_columns_and_clear_helpers() -> None:
    assert d.utf16_column("a🐍b", 0) == 0
    assert d.utf16_column("a🐍b", 2) == 3
    assert d.utf16_column("héllo", 3) == 3
    assert d.files_to_clear(["/a.py", "/b.py"], {"/b.py": [], "/c.py": []}) == ["/a.py"]


def test_unknown_columns_cover_the_line_text() -> None:
    frame: Frame = {
        "file": "/p/app.py",
        "line": 3,
        "end_line": None,
        "col": None,
        "end_col": None,
        "function": "f",
        "text": "    x = 🐍  ",
        "project": True,
    }
    assert _rng(d.frame_range(frame)) == (2, 4, 2, 10)
    assert _rng(d.frame_range({**frame, "text": ""})) == (2, 0, 3, 0)


TEMPLATE_APP = """import os
from flask import Flask, render_template

app = Flask(__name__, root_path=os.path.dirname(os.path.abspath(__file__)))
with app.app_context():
    render_template("page.html", title="Shop")
"""


@pytest.mark.parametrize(
    ("template", "code", "href"),
    [
        (
            "<h1>{{ title }}</h1>\n<p>{{ 1 // 0 }}</p>\n",
            "ZeroDivisionError",
            "https://docs.python.org/3/library/exceptions.html#ZeroDivisionError",
        ),
        (
            "<h1>{{ title }}</h1>\n{% if %}\n",
            "jinja2.exceptions.TemplateSyntaxError",
            "https://jinja.palletsprojects.com/en/stable/api/#jinja2.TemplateSyntaxError",
        ),
    ],
    ids=["raised-in-template", "template-syntax"],
)
def test_a_template_error_points_at_the_template_line_then_the_view(
    project: Path, describe: Describe, template: str, code: str, href: str
) -> None:
    (project / "templates").mkdir()
    page = _write(project / "templates" / "page.html", template)
    app = _write(project / "app.py", TEMPLATE_APP)
    found = d.request_error_diagnostics(_raise(app, describe), "GET", "/", entry=str(app))

    [error] = _errors(found, page)
    assert error.range.start.line == 1
    assert (error.code, error.code_description) == (code, lsp.CodeDescription(href=href))
    related = error.related_information or []
    assert related[0].location.uri == d.path_uri(str(app))
    assert related[0].location.range.start.line == 5
    assert related[0].message == "called from here (in <module>)"
    [summary] = [r for r in related if r.message.startswith("+ ")]
    assert summary is related[-1]
    assert "flask" in summary.message and "jinja2" in summary.message
    assert "(deepest: jinja2/" in summary.message  # the package, not just "environment.py"
    # Information rows: the view's line only; never the template line the error is on.
    assert [i.range.start.line for i in _infos(found, app)] == [5]
    assert _infos(found, page) == []
