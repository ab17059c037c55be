"""describe(): real exceptions raised from real files, checked field by field."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from failsafe_flask.child.exceptions import (
    MAX_DEPTH,
    MAX_MESSAGE,
    TRUNCATED,
    byte_to_char,
    describe,
    type_name,
)
from failsafe_flask.protocol import ExceptionInfo

HAS_COLUMNS = sys.version_info >= (3, 11)


def import_error(project: Path, name: str, source: str) -> BaseException:
    """Write ``name``.py and import it; return what the import raised."""
    (project / f"{name}.py").write_text(source, encoding="utf-8")
    importlib.invalidate_caches()
    try:
        importlib.import_module(name)
    except BaseException as exc:  # the test wants whatever the module raises
        return exc
    raise AssertionError(f"importing {name} raised nothing")


def chain_length(info: ExceptionInfo) -> int:
    link = info["cause"] or info["context"]
    return 1 + (chain_length(link) if link else 0)


def test_name_error_in_imported_module(project: Path) -> None:
    exc = import_error(project, "models_a", 'x = "héé"; y = undefined_name\n')
    info = describe(exc, str(project))
    assert info["type"] == "NameError"
    assert info["message"] == "name 'undefined_name' is not defined"
    assert info["syntax"] is None and info["paths"] == []
    assert info["cause"] is None and info["context"] is None
    last = info["frames"][-1]
    assert last["file"] == str(project / "models_a.py")
    assert (last["line"], last["function"], last["project"]) == (1, "<module>", True)
    assert last["text"] == 'x = "héé"; y = undefined_name'
    # Columns in code points: the two "é" are 4 bytes but 2 characters.
    expected = (1, 15, 29) if HAS_COLUMNS else (None, None, None)
    assert (last["end_line"], last["col"], last["end_col"]) == expected
    assert info["frames"][0]["file"] == __file__
    assert not any(frame["project"] for frame in info["frames"][:-1])


def test_frames_in_nested_modules_are_outermost_first(project: Path) -> None:
    (project / "helper_b.py").write_text("def boom():\n    return {}['missing']\n")
    exc = import_error(project, "main_b", "import helper_b\n\nhelper_b.boom()\n")
    info = describe(exc, str(project))
    assert info["type"] == "KeyError" and info["message"] == "'missing'"
    mine = [(f["file"], f["line"], f["function"]) for f in info["frames"] if f["project"]]
    assert mine == [
        (str(project / "main_b.py"), 3, "<module>"),
        (str(project / "helper_b.py"), 2, "boom"),
    ]
    if HAS_COLUMNS:
        last = info["frames"][-1]
        assert (last["col"], last["end_col"]) == (11, 24)
        assert last["text"][last["col"] : last["end_col"]] == "{}['missing']"


def test_pseudo_files_are_not_project(project: Path) -> None:
    namespace: dict[str, object] = {}
    try:
        exec(compile("1 / 0\n", "<string>", "exec"), namespace)
    except ZeroDivisionError as exc:
        info = describe(exc, str(project))
    frame = info["frames"][-1]
    assert (frame["file"], frame["project"], frame["text"]) == ("<string>", False, "")
    assert (frame["col"], frame["end_col"]) == (None, None)


def test_explicit_cause_hides_context(project: Path) -> None:
    source = (
        "def load():\n"
        "    try:\n"
        "        {}['k']\n"
        "    except KeyError as e:\n"
        "        raise ValueError('bad config') from e\n"
        "load()\n"
    )
    info = describe(import_error(project, "chain_c", source), str(project))
    assert (info["type"], info["message"], info["context"]) == ("ValueError", "bad config", None)
    cause = info["cause"]
    assert cause is not None
    assert (cause["type"], cause["message"]) == ("KeyError", "'k'")
    assert [(f["line"], f["function"]) for f in cause["frames"]] == [(3, "load")]


def test_implicit_context_and_from_none(project: Path) -> None:
    source = (
        "def f(suppress):\n"
        "    try:\n"
        "        1 / 0\n"
        "    except ZeroDivisionError:\n"
        "        if suppress:\n"
        "            raise LookupError('quiet') from None\n"
        "        raise LookupError('loud')\n"
    )
    (project / "ctx_d.py").write_text(source)
    module = importlib.import_module("ctx_d")
    infos = []
    for suppress in (False, True):
        try:
            module.f(suppress)
        except LookupError as exc:
            infos.append(describe(exc, str(project)))
    loud, quiet = infos
    assert loud["cause"] is None and loud["context"] is not None
    assert loud["context"]["type"] == "ZeroDivisionError"
    assert quiet["cause"] is None and quiet["context"] is None


def test_syntax_error_with_non_ascii_before_the_column(project: Path) -> None:
    exc = import_error(project, "syn_e", 'ok = 1\nx = "ü" + 1 2\n')
    info = describe(exc, str(project))
    path = str(project / "syn_e.py")
    assert info["type"] == "SyntaxError"
    assert info["message"] == "invalid syntax"  # exc.msg: no "(syn_e.py, line 2)" suffix
    assert info["syntax"] == {
        "file": path,
        "line": 2,
        "col": 12,  # code points: "ü" is one character, two bytes
        "end_line": 2,
        "end_col": 13,
        "text": 'x = "ü" + 1 2',
    }
    assert info["paths"] == [path]
    # The failing module never ran, so no frame is in it: only the importing test.
    assert all(frame["file"] != path for frame in info["frames"])


def test_indentation_error(project: Path) -> None:
    info = describe(import_error(project, "ind_f", "def f():\nreturn 1\n"), str(project))
    assert info["type"] == "IndentationError"
    assert info["message"].startswith("expected an indented block after function definition")
    syntax = info["syntax"]
    assert syntax is not None
    assert (syntax["line"], syntax["col"], syntax["end_line"], syntax["end_col"]) == (2, 0, 2, 6)
    assert syntax["text"] == "return 1"


def test_tab_error_unknown_end_is_none(project: Path) -> None:
    exc = import_error(project, "tab_g", "if 1:\n\tx = 1\n        y = 2\n")
    info = describe(exc, str(project))
    assert info["type"] == "TabError"
    syntax = info["syntax"]
    assert syntax is not None
    assert (syntax["line"], syntax["col"], syntax["end_col"]) == (3, 0, None)


def test_exception_whose_str_raises(project: Path) -> None:
    source = (
        "class Broken(Exception):\n"
        "    def __str__(self):\n"
        "        raise RuntimeError('no')\n"
        "raise Broken()\n"
    )
    info = describe(import_error(project, "badstr_h", source), str(project))
    assert info["type"] == "badstr_h.Broken"
    assert info["message"] == "<exception str() failed: RuntimeError>"


def test_long_message_is_capped(project: Path) -> None:
    info = describe(import_error(project, "long_i", "raise ValueError('x' * 20000)\n"), "/")
    assert info["message"] == "x" * MAX_MESSAGE + TRUNCATED


def test_deep_recursion_keeps_first_and_last_frames(project: Path) -> None:
    source = "def down(n):\n    if n == 0:\n        raise RuntimeError('bottom')\n    down(n - 1)\n"
    (project / "deep_j.py").write_text(source)
    module = importlib.import_module("deep_j")
    try:
        module.down(150)
    except RuntimeError as exc:
        info = describe(exc, str(project))
    frames = info["frames"]
    assert len(frames) == 100
    assert frames[0]["function"] == "test_deep_recursion_keeps_first_and_last_frames"
    assert [f["line"] for f in frames[1:20]] == [4] * 19
    assert (frames[-1]["line"], frames[-1]["function"]) == (3, "down")


def test_os_error_filename_made_absolute(project: Path) -> None:
    source = "raise FileNotFoundError(2, 'No such file or directory', 'conf/settings.cfg')\n"
    info = describe(import_error(project, "oserr_k", source), str(project))
    assert info["paths"] == [str(project / "conf" / "settings.cfg")]
    assert info["type"] == "FileNotFoundError"


def test_flask_from_pyfile_missing_file(project: Path) -> None:
    source = (
        "from flask import Flask\napp = Flask(__name__)\napp.config.from_pyfile('settings.cfg')\n"
    )
    info = describe(import_error(project, "cfg_l", source), str(project))
    assert info["type"] == "FileNotFoundError"
    assert info["paths"] == [str(project / "settings.cfg")]
    assert [f["line"] for f in info["frames"] if f["project"]] == [3]


def test_jinja_template_syntax_error_names_the_template(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "page.html").write_text("<p>{% if x %}</p>\n")
    source = (
        "import jinja2\n"
        "env = jinja2.Environment(loader=jinja2.FileSystemLoader('templates'))\n"
        "env.get_template('page.html')\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        info = describe(import_error(project, "tpl_m", source), str(project))
    assert info["type"] == "jinja2.exceptions.TemplateSyntaxError"
    assert str(project / "templates" / "page.html") in info["paths"]


def test_cycles_and_depth_are_bounded() -> None:
    first, second = ValueError("a"), KeyError("b")
    first.__context__, second.__context__ = second, first
    info = describe(first, "/")
    assert chain_length(info) == 2
    exc: BaseException = RuntimeError(0)
    for level in range(1, 30):
        outer = RuntimeError(level)
        outer.__cause__ = exc
        exc = outer
    assert chain_length(describe(exc, "/")) == MAX_DEPTH


def test_type_name_and_byte_offsets() -> None:
    assert type_name(KeyError) == "KeyError"
    from flask.cli import NoAppException

    assert type_name(NoAppException) == "flask.cli.NoAppException"
    assert byte_to_char("aé€b", 6) == 3  # a(1) é(2) €(3) bytes
    assert byte_to_char("ab", 5) is None and byte_to_char("", 0) is None
    assert byte_to_char("ab", None) is None
