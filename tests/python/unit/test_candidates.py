"""Candidate apps are found by reading files, and each is a form flask --app loads."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from failsafe_flask import candidates
from failsafe_flask.candidates import app_names, find_candidates

FACTORY = """\
    from flask import Flask


    def create_app(test_config=None):
        app = Flask(__name__, instance_relative_config=True)

        @app.route("/")
        def index():
            return "{label}"

        return app
    """
INSTANCE = """\
    from flask import Flask

    app = Flask(__name__)


    @app.route("/")
    def index():
        return "{label}"
    """


def write(root: Path, rel: str, text: str = "", label: str = "") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).replace("{label}", label), encoding="utf-8")


def forms(root: Path) -> list[str]:
    return [found.app for found in find_candidates(str(root))]


def loads(root: Path, form: str) -> str:
    """What Flask's own loader returns for ``--app form``, run in the project folder."""
    code = (
        "import sys; from flask.cli import ScriptInfo\n"
        "app = ScriptInfo(app_import_path=sys.argv[1]).load_app()\n"
        "print(app.test_client().get('/').get_data(as_text=True))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, form], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_tutorial_package_layout(tmp_path: Path) -> None:
    write(tmp_path, "flaskr/__init__.py", FACTORY, "flaskr")
    write(tmp_path, "flaskr/db.py", "import sqlite3\nfrom flask import current_app\n")
    write(tmp_path, "flaskr/templates/base.html", "<html></html>")
    write(tmp_path, "tests/conftest.py", "from flaskr import create_app\napp = create_app()\n")
    write(tmp_path, "setup.py", "from setuptools import setup\nsetup(name='flaskr')\n")
    assert forms(tmp_path) == ["flaskr:create_app"]
    assert loads(tmp_path, "flaskr:create_app") == "flaskr"


def test_app_in_a_subfolder_uses_the_path_form(tmp_path: Path) -> None:
    source = "from models import LABEL\n" + textwrap.dedent(INSTANCE)
    write(tmp_path, "backend/app.py", source.replace('"{label}"', "LABEL"))
    write(tmp_path, "backend/models.py", "LABEL = 'backend'\n")
    write(tmp_path, "frontend/package.json", "{}")
    assert forms(tmp_path) == ["backend/app.py:app"]
    # The path form puts backend/ on sys.path, so its sibling imports work.
    assert loads(tmp_path, "backend/app.py:app") == "backend"


def test_src_layout_and_a_module_in_a_package(tmp_path: Path) -> None:
    write(tmp_path, "src/shop/__init__.py", FACTORY, "shop")
    write(tmp_path, "portal/__init__.py", "")
    write(tmp_path, "portal/web.py", INSTANCE, "portal")
    assert forms(tmp_path) == ["portal.web:app", "src/shop:create_app"]
    assert loads(tmp_path, "src/shop:create_app") == "shop"
    assert loads(tmp_path, "portal.web:app") == "portal"


def test_a_wsgi_module_that_calls_the_factory(tmp_path: Path) -> None:
    write(tmp_path, "deploy/wsgi.py", "from shop import create_app\napp = create_app()\n")
    assert forms(tmp_path) == ["deploy/wsgi.py:app"]


def test_shallow_and_usual_names_come_first(tmp_path: Path) -> None:
    write(tmp_path, "zeta.py", INSTANCE)
    write(tmp_path, "app.py", INSTANCE)
    write(tmp_path, "a/b/app.py", INSTANCE)
    assert forms(tmp_path) == ["app:app", "zeta:app", "a/b/app.py:app"]


def test_excluded_and_test_folders_are_not_read(tmp_path: Path) -> None:
    for rel in [
        ".venv/lib/python3.12/site-packages/flask/app.py",
        "env/lib/site.py",  # a venv by its pyvenv.cfg, whatever its name
        "node_modules/x/app.py",
        "build/lib/thing.egg-info/app.py",
        "tests/test_app.py",
        "test_views.py",
        "conftest.py",
        ".hidden/app.py",
    ]:
        write(tmp_path, rel, INSTANCE)
    write(tmp_path, "env/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, "build/lib/app.py", INSTANCE)
    assert forms(tmp_path) == ["build/lib/app.py:app"]


def test_the_walk_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(candidates, "MAX_FILES", 3)
    for index in range(5):
        write(tmp_path, f"m{index}.py", INSTANCE)
    assert forms(tmp_path) == ["m0:app", "m1:app", "m2:app"]
    monkeypatch.setattr(candidates, "MAX_DEPTH", 2)
    write(tmp_path, "a/b/c/deep.py", INSTANCE)
    assert "a/b/c/deep.py:app" not in forms(tmp_path)


def test_nothing_found_in_a_project_without_flask(tmp_path: Path) -> None:
    write(tmp_path, "main.py", "print('hello')\n")
    assert find_candidates(str(tmp_path)) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("app = Flask(__name__)\ndef create_app(): ...", [("app", False)]),
        ("application = flask.Flask(__name__)", [("application", False)]),
        ("api = APIFlask(__name__)\nadmin = Flask('a')", [("api", False), ("admin", False)]),
        ("web: Flask = Flask(__name__)", [("web", False)]),
        ("def make_app():\n    return Flask(__name__)", [("make_app", True)]),
        (
            "async def create_app(): ...\ndef make_app(): ...",
            [("create_app", True), ("make_app", True)],
        ),
        ("try:\n    app = Flask(__name__)\nexcept ImportError:\n    pass", [("app", False)]),
        ("if __name__ == '__main__':\n    app = Flask(__name__)", []),
        ("def view():\n    app = Flask(__name__)", []),
        ("from flask import Flask\nclient = make_client()", []),
        ("x = create_app()", []),  # a name Flask would not look for
        # A file that does not parse is still offered: fixing it is the next step.
        ("app = Flask(__name__)\ndef broken(:\n", [("app", False)]),
        ("def create_app(:\n    return Flask(__name__)", [("create_app", True)]),
    ],
)
def test_app_names(source: str, expected: list[tuple[str, bool]]) -> None:
    assert app_names(source) == expected
