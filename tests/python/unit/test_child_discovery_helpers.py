"""The app process's pure helpers: project files, packages, entry file, events, error page."""

from __future__ import annotations

import importlib
import json
import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.cli import NoAppException, ScriptInfo

from failsafe_flask.child import errorpage, loader
from failsafe_flask.child.events import MAX_EVENT_BYTES, encode_event
from failsafe_flask.child.exceptions import describe
from failsafe_flask.child.main import display_url, parse_args
from failsafe_flask.child.paths import (
    imported_project_files,
    is_project_file,
    is_project_file_known,
    third_party_packages,
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project dir as cwd and on sys.path; its modules are forgotten afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def module(name: str, file: str | None) -> types.ModuleType:
    made = types.ModuleType(name)
    made.__file__ = file
    return made


def test_is_project_file(tmp_path: Path) -> None:
    root = str(tmp_path)
    touch(tmp_path / ".venv" / "pyvenv.cfg")
    touch(tmp_path / "env2" / "pyvenv.cfg")
    assert is_project_file(str(touch(tmp_path / "app.py")), root)
    assert is_project_file(str(touch(tmp_path / "pkg" / "views.py")), root)
    assert not is_project_file(str(tmp_path / ".venv" / "lib" / "flask" / "app.py"), root)
    assert not is_project_file(str(tmp_path / "env2" / "x.py"), root)
    assert not is_project_file(str(tmp_path / "lib" / "site-packages" / "x.py"), root)
    assert not is_project_file(str(tmp_path / "dist-packages" / "x.py"), root)
    assert not is_project_file("<string>", root)
    assert not is_project_file("<frozen importlib._bootstrap>", root)
    assert not is_project_file(str(tmp_path.parent / "elsewhere.py"), root)
    assert not is_project_file(root + "-sibling/app.py", root)  # a prefix, not a parent
    assert not is_project_file(os.path.join(sys.prefix, "lib", "x.py"), os.path.dirname(sys.prefix))


def test_is_project_file_through_a_symlinked_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    app = touch(real / "app.py")
    link = tmp_path / "link"
    link.symlink_to(real)
    assert is_project_file(str(app), str(link))
    assert is_project_file(str(link / "app.py"), str(real))


def test_is_project_file_known_answers_as_is_project_file_once_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = str(tmp_path)
    app = str(touch(tmp_path / "app.py"))
    installed = str(tmp_path / ".venv" / "lib" / "x.py")
    touch(tmp_path / ".venv" / "pyvenv.cfg")
    assert is_project_file_known(app, root)
    assert not is_project_file_known(installed, root)
    assert not is_project_file_known(app, str(tmp_path / "other"))  # the root is part of it
    calls: list[str] = []
    monkeypatch.setattr(
        "failsafe_flask.child.paths.is_project_file", lambda path, _root: calls.append(path)
    )
    assert is_project_file_known(app, root)
    assert not is_project_file_known(installed, root)
    assert calls == []  # answered from what it learned
    is_project_file_known("app.py", root)  # relative: the working directory decides
    assert calls == ["app.py"]


def test_imported_project_files_and_packages(tmp_path: Path) -> None:
    root = str(tmp_path)
    touch(tmp_path / ".venv" / "pyvenv.cfg")
    modules = {
        "app": module("app", str(tmp_path / "app.py")),
        "pkg": module("pkg", str(tmp_path / "pkg" / "__init__.py")),
        "pkg.views": module("pkg.views", str(tmp_path / "pkg" / "views.py")),
        "os": os,
        "json": json,
        "flask": importlib.import_module("flask"),
        "flask.cli": importlib.import_module("flask.cli"),
        "vendored": module("vendored", str(tmp_path / ".venv" / "lib" / "vendored.py")),
        "sys": sys,
        "failsafe_flask": importlib.import_module("failsafe_flask"),
        "frozen_thing": module("frozen_thing", None),
    }
    assert imported_project_files(modules, root) == [
        str(tmp_path / "app.py"),
        str(tmp_path / "pkg" / "__init__.py"),
        str(tmp_path / "pkg" / "views.py"),
    ]
    assert third_party_packages(modules, root) == ["flask", "vendored"]


def test_entry_file_for_each_spec_form(project: Path) -> None:
    cwd = str(project)
    touch(project / "app.py")
    touch(project / "wsgi.py")
    touch(project / "pkg" / "__init__.py")
    touch(project / "pkg" / "sub.py")
    assert loader.entry_file("app.py", cwd) == str(project / "app.py")
    assert loader.entry_file("app", cwd) == str(project / "app.py")
    assert loader.entry_file("app:create_app('dev')", cwd) == str(project / "app.py")
    assert loader.entry_file("pkg:create_app('dev')", cwd) == str(project / "pkg" / "__init__.py")
    assert loader.entry_file("pkg.sub:app", cwd) == str(project / "pkg" / "sub.py")
    assert loader.entry_file("nosuch", cwd) == ""
    assert loader.entry_file("", cwd) == str(project / "wsgi.py")
    (project / "wsgi.py").unlink()
    assert loader.entry_file("", cwd) == str(project / "app.py")


def test_import_error_inside_the_module_is_unwrapped(project: Path) -> None:
    touch(project / "broken_app.py", "import not_installed_xyz\n")
    with pytest.raises(NoAppException) as caught:
        ScriptInfo(app_import_path="broken_app").load_app()
    real = loader.reported_exception(caught.value)
    assert isinstance(real, ModuleNotFoundError) and real.name == "not_installed_xyz"
    frames = describe(real, str(project))["frames"]
    assert [(f["line"], f["project"]) for f in frames if f["project"]] == [(1, True)]


def test_missing_module_stays_a_no_app_exception(project: Path) -> None:
    with pytest.raises(NoAppException) as caught:
        ScriptInfo(app_import_path="nosuch").load_app()
    assert loader.reported_exception(caught.value) is caught.value
    info = loader.describe_load_error(caught.value, "nosuch", str(project))
    assert info["type"] == "flask.cli.NoAppException"
    assert info["message"].startswith("Could not import 'nosuch'.")
    assert (
        f"Tried: app 'nosuch' (from --app or FLASK_APP), working directory {project}"
        in (info["message"])
    )
    assert "looked for 'wsgi.py' then 'app.py'" in loader.what_was_tried("", str(project))


def test_display_url_and_args() -> None:
    assert display_url("127.0.0.1", 5000) == "http://127.0.0.1:5000/"
    assert display_url("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert display_url("::", 8080) == "http://[::1]:8080/"
    assert display_url("localhost", 1) == "http://localhost:1/"
    args = parse_args(["--app", "x:y", "--host", "h", "--port", "7", "--no-debug"])
    assert (args.app, args.host, args.port, args.debug) == ("x:y", "h", 7, False)
    assert parse_args(["--debug"]).debug is True and parse_args([]).debug is None


def test_huge_event_is_shrunk_to_fit() -> None:
    frame = {"file": "/p/a.py", "line": 1, "end_line": 1, "col": 0, "end_col": 1,
             "function": "f", "text": "é" * 400_000, "project": True}  # fmt: skip
    error = {"type": "E", "message": "m" * 10_000, "frames": [frame] * 100, "syntax": None,
             "paths": [], "cause": None, "context": None}  # fmt: skip
    event = {"event": "load_error", "pid": 1, "error": error, "files": ["/p/x"] * 10, "entry": ""}
    data = encode_event(event)
    assert len(data) <= MAX_EVENT_BYTES and data.endswith(b"\n") and data.count(b"\n") == 1
    decoded = json.loads(data)
    assert decoded["error"]["type"] == "E" and decoded["error"]["frames"]
    small = encode_event({"event": "loading", "pid": 2, "app": "é"})
    assert small == '{"event":"loading","pid":2,"app":"é"}\n'.encode()


def test_error_page_escapes_and_polls() -> None:
    page = errorpage.render_page("NameError", "<b>bad</b>", "Traceback </script>", "123")
    assert "&lt;b&gt;bad&lt;/b&gt;" in page and "Traceback &lt;/script&gt;" in page
    assert "<title>Failsafe Flask: app failed to load</title>" in page
    assert '"X-Failsafe-Flask-Poll": "1"' in page
    statuses: list[tuple[str, list[tuple[str, str]]]] = []
    app = errorpage.error_app(page, "123")
    body = b"".join(app({}, lambda status, headers: statuses.append((status, headers))))  # type: ignore[arg-type,func-returns-value]
    status, headers = statuses[0]
    assert status.startswith("500") and body == page.encode()
    assert ("X-Failsafe-Flask", "load-error") in headers
    assert ("Content-Type", "text/html; charset=utf-8") in headers


def test_env_file_subset_parser() -> None:
    from failsafe_flask.child.envfile import parse

    text = (
        "# comment\n"
        "PLAIN=value\n"
        "export EXPORTED=1\n"
        "QUOTED='a b # not a comment'\n"
        'DOUBLE="x y"\n'
        "TRAILING=v # comment\n"
        "EMPTY=\n"
        "not a pair\n"
    )
    assert parse(text) == {
        "PLAIN": "value",
        "EXPORTED": "1",
        "QUOTED": "a b # not a comment",
        "DOUBLE": "x y",
        "TRAILING": "v",
        "EMPTY": "",
    }
