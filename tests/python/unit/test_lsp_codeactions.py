"""Quick fixes, the pure parts: what a diagnostic carries, which actions it gets, the pip
command line, where a template goes, where a refused start's diagnostic sits."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest
from lsprotocol import types as lsp

from failsafe_flask.lsp import codeactions as ca
from failsafe_flask.lsp import codeactions_data as data
from failsafe_flask.lsp import codeactions_files as files
from failsafe_flask.lsp import codeactions_install as install
from failsafe_flask.lsp import refusals
from failsafe_flask.protocol import ExceptionInfo, Frame

ROOT = Path("/proj")


def _frame(file: str, line: int = 3, project: bool = True) -> Frame:
    return {
        "file": file,
        "line": line,
        "end_line": line,
        "col": 4,
        "end_col": 10,
        "function": "view",
        "text": "    render_template('x.html')",
        "project": project,
    }


def _error(
    kind: str, message: str, frames: Optional[list[Frame]] = None, **more: Any
) -> ExceptionInfo:
    info: ExceptionInfo = {
        "type": kind,
        "message": message,
        "frames": frames if frames is not None else [_frame("/proj/app.py")],
        "syntax": None,
        "paths": [],
        "cause": None,
        "context": None,
    }
    info.update(more)  # type: ignore[typeddict-item]
    return info


def _diag(**fields: Any) -> lsp.Diagnostic:
    rng = lsp.Range(lsp.Position(0, 0), lsp.Position(0, 1))
    return lsp.Diagnostic(range=rng, message="m", source="Failsafe Flask", **fields)


def _facts(existing: tuple[str, ...] = (), **more: Any) -> ca.Facts:
    there = {Path(p) for p in existing}
    base: dict[str, Any] = {
        "app_id": "file:///proj",
        "name": "proj",
        "root": ROOT,
        "python": "/venv/bin/python",
        "exists": lambda path: path in there,
    }
    return ca.Facts(**{**base, **more})


# -- what a diagnostic carries --------------------------------------------------------


def test_missing_module_from_the_error_or_its_chain() -> None:
    assert data.missing_module(_error("ModuleNotFoundError", "No module named 'yaml'")) == "yaml"
    inner = _error("ModuleNotFoundError", "No module named 'PIL.Image'")
    outer = _error("RuntimeError", "setup failed", cause=inner)
    assert data.missing_module(outer) == "PIL.Image"
    assert data.missing_module(_error("ImportError", "cannot import name 'x'")) is None
    assert data.missing_module(_error("ModuleNotFoundError", "No module named 'a b'")) is None


def test_missing_template_names_the_file_that_rendered_it() -> None:
    frames = [_frame("/venv/flask/app.py", project=False), _frame("/proj/admin/views.py")]
    error = _error("jinja2.exceptions.TemplateNotFound", "admin/users.html", frames)
    assert data.error_fix(error, "A") == data.TemplateFix(
        "A", "admin/users.html", "/proj/admin/views.py"
    )


@pytest.mark.parametrize("name", ["../etc/passwd", "/abs.html", "a//b", "a\\b", "", "x\n.html"])
def test_a_template_name_that_leaves_the_folder_gets_no_fix(name: str) -> None:
    assert data.error_fix(_error("jinja2.exceptions.TemplateNotFound", name), "A") is None


@pytest.mark.parametrize(
    "fix",
    [
        data.InstallFix("A", "yaml"),
        data.TemplateFix("A", "a/b.html", "/proj/v.py"),
        data.PortFix("A", 5000),
        data.ChooseAppFix("A", ("flaskr:create_app", "backend/app.py:app")),
    ],
)
def test_data_round_trips(fix: data.Fix) -> None:
    assert data.from_data(data.to_data(fix)) == fix


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {"fix": "install", "module": "yaml"},  # no app
        {"fix": "install", "appId": "A", "module": "--index-url=http://x"},
        {"fix": "port", "appId": "A", "port": True},
        {"fix": "port", "appId": "A", "port": 70000},
        {"fix": "template", "appId": "A", "template": "../x"},
        {"fix": "chooseApp", "appId": "A", "candidates": [1]},
        {"fix": "other", "appId": "A"},
    ],
)
def test_data_from_a_client_is_checked(raw: object) -> None:
    assert data.from_data(raw) is None


def test_the_fix_goes_on_the_errors_own_diagnostic_only() -> None:
    rng = lsp.Range(lsp.Position(2, 4), lsp.Position(2, 10))
    own = lsp.Diagnostic(
        rng, "x", severity=lsp.DiagnosticSeverity.Error, code="ModuleNotFoundError"
    )
    other = lsp.Diagnostic(
        rng, "x", severity=lsp.DiagnosticSeverity.Information, code="ModuleNotFoundError"
    )
    out = data.with_data([own, other], rng, "ModuleNotFoundError", data.InstallFix("A", "yaml"))
    assert out[0].data == {"fix": "install", "appId": "A", "module": "yaml"}
    assert out[1].data is None


# -- pip ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "dist"),
    [
        ("yaml", "PyYAML"),
        ("PIL.Image", "Pillow"),
        ("google.protobuf.message", "protobuf"),
        ("flask_sqlalchemy", "Flask-SQLAlchemy"),
        ("requests", "requests"),
        ("some_pkg.sub", "some-pkg"),
    ],
)
def test_distribution_names(module: str, dist: str) -> None:
    assert install.distribution(module) == dist


def test_no_install_for_a_project_module_or_the_standard_library() -> None:
    there = {ROOT / "helpers.py", ROOT / "src" / "mypkg"}
    exists = there.__contains__
    roots = [ROOT, ROOT / "src"]
    assert install.installable("helpers", roots, exists) is None
    assert install.installable("mypkg.models", roots, exists) is None
    assert install.installable("tomllib", roots, exists) is None
    assert install.installable("yaml", roots, exists) == "PyYAML"


def test_pip_command_is_an_argv_with_the_apps_python() -> None:
    assert install.pip_command("/v/bin/python", "PyYAML") == [
        "/v/bin/python",
        "-m",
        "pip",
        "install",
        "PyYAML",
    ]
    with pytest.raises(ValueError):
        install.pip_command("/v/bin/python", "-r/etc/passwd")
    assert install.pip_text(["/a b/python", "-m", "pip"]) == "'/a b/python' -m pip"


def test_pip_runs_without_the_servers_bundled_libraries() -> None:
    base = {"PYTHONPATH": "/bundled:/user", "FAILSAFE_FLASK_BUNDLED": "/bundled", "HOME": "/h"}
    env = install.pip_env(base, {"X": "1"})
    assert env == {"PYTHONPATH": "/user", "HOME": "/h", "X": "1"}


# -- actions ----------------------------------------------------------------------------


def test_install_action_names_pip_for_the_apps_interpreter() -> None:
    diagnostic = _diag()
    [action] = ca.actions(data.InstallFix("A", "yaml"), diagnostic, _facts())
    assert action.kind == lsp.CodeActionKind.QuickFix and action.is_preferred
    assert action.diagnostics == [diagnostic]
    assert action.command is not None and action.command.command == ca.INSTALL
    assert action.command.arguments == [
        {
            "appId": "file:///proj",
            "distribution": "PyYAML",
            "commandLine": ["/venv/bin/python", "-m", "pip", "install", "PyYAML"],
        }
    ]


def test_no_install_action_for_a_module_of_the_project() -> None:
    assert ca.actions(data.InstallFix("A", "helpers"), _diag(), _facts(("/proj/helpers.py",))) == []


def test_port_action_uses_the_next_free_port() -> None:
    [action] = ca.actions(data.PortFix("A", 5000), _diag(), _facts(free_port=5002))
    assert action.title == "Use port 5002 for proj"
    assert action.command is not None and action.command.command == ca.USE_SETTINGS
    assert action.command.arguments == [{"appId": "file:///proj", "settings": {"port": 5002}}]
    assert ca.actions(data.PortFix("A", 5000), _diag(), _facts(free_port=None)) == []


def test_one_action_per_candidate_app() -> None:
    fix = data.ChooseAppFix("A", ("flaskr:create_app", "backend/app.py:app"))
    found = ca.actions(fix, _diag(), _facts())
    assert [a.title for a in found] == [
        "Run flaskr:create_app as the app",
        "Run backend/app.py:app as the app",
    ]
    assert [a.is_preferred for a in found] == [True, None]
    assert found[1].command is not None
    assert found[1].command.arguments == [
        {"appId": "file:///proj", "settings": {"app": "backend/app.py:app"}}
    ]


def test_template_action_creates_the_file_in_the_blueprints_folder_first() -> None:
    fix = data.TemplateFix("A", "users.html", "/proj/flaskr/admin/views.py")
    existing = ("/proj/flaskr/admin/templates", "/proj/flaskr/__init__.py")
    found = ca.actions(fix, _diag(), _facts(existing))
    assert [a.title for a in found] == [
        "Create the template flaskr/admin/templates/users.html",
        "Create the template flaskr/templates/users.html",
    ]
    edit = found[0].edit
    assert edit is not None and edit.document_changes is not None
    [create] = edit.document_changes
    assert isinstance(create, lsp.CreateFile)
    assert create.uri == "file:///proj/flaskr/admin/templates/users.html"
    assert create.options is not None and create.options.ignore_if_exists


def test_template_action_without_create_file_support_is_a_command() -> None:
    fix = data.TemplateFix("A", "x.html", "/proj/app.py")
    [action] = ca.actions(fix, _diag(), _facts(can_create=False))
    assert action.edit is None and action.command is not None
    assert action.command.arguments == [{"appId": "file:///proj", "path": "/proj/templates/x.html"}]


def test_template_folders_never_outside_the_project() -> None:
    assert files.template_folders(ROOT, "/venv/lib/flask/app.py", lambda p: True) == [
        ROOT / "templates"
    ]
    assert files.template_folders(ROOT, "", lambda p: False) == [ROOT / "templates"]


# -- refused starts -------------------------------------------------------------------


def test_entry_file_of_each_app_form() -> None:
    there = {
        ROOT / "app.py",
        ROOT / "flaskr" / "__init__.py",
        ROOT / "backend" / "app.py",
        ROOT / "pkg" / "mod.py",
    }
    exists = there.__contains__
    assert refusals.entry_file(ROOT, "app.py", exists) == ROOT / "app.py"
    assert (
        refusals.entry_file(ROOT, "flaskr:create_app('dev')", exists)
        == ROOT / "flaskr" / "__init__.py"
    )
    assert refusals.entry_file(ROOT, "backend/app.py:app", exists) == ROOT / "backend" / "app.py"
    assert refusals.entry_file(ROOT, "pkg.mod", exists) == ROOT / "pkg" / "mod.py"
    assert refusals.entry_file(ROOT, "missing", exists) is None
    assert refusals.entry_file(ROOT, "", exists) is None


def test_refusal_sits_on_the_line_that_makes_the_app() -> None:
    text = "import os\n\napp = Flask(__name__)\n"
    assert refusals.app_line(text) == 2
    assert refusals.app_line("x = 1\n\ndef create_app():\n") == 2
    assert refusals.app_line(None) == 0
    fix = data.PortFix("A", 5000)
    found = refusals.refusal_diagnostic(text, "Port 5000 is in use", refusals.PORT_TAKEN_CODE, fix)
    assert found.range == lsp.Range(lsp.Position(2, 0), lsp.Position(2, 21))
    assert (found.code, found.data) == ("port-taken", {"fix": "port", "appId": "A", "port": 5000})
