"""The temporary Flask project each editor works on, and what its broken save must show."""

from __future__ import annotations

import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

FILES = {
    "app.py": """
        from shop import create_app

        app = create_app()
    """,
    "shop/__init__.py": """
        from flask import Flask


        def create_app():
            app = Flask(__name__)
            from .views import bp

            app.register_blueprint(bp)
            return app
    """,
    "shop/templates/index.html": """
        <!doctype html>
        <link rel="stylesheet" href="{{ url_for('static', filename='shop.css') }}">
        <h1>Shop, version {{ version }}</h1>
    """,
    "shop/static/shop.css": "h1 { color: teal; }\n",
    ".flaskenv": "FLASK_APP=app.py\n",
}
VIEWS = """
    from flask import Blueprint, render_template

    bp = Blueprint("shop", __name__)


    @bp.route("/")
    def index():
        return render_template("index.html", version={version})
"""
EDITED = "shop/views.py"  # the file the editor opens, breaks and fixes


@dataclass(frozen=True)
class Project:
    root: Path
    broken: Path  # the text the editor saves first (outside the project)
    fixed: Path  # ... and then

    @property
    def edited(self) -> Path:
        return self.root / EDITED


def views(version: str) -> str:
    return textwrap.dedent(VIEWS).lstrip().replace("{version}", version)


def make_project(folder: Path) -> Project:
    root = folder / "project"
    for name, text in {**FILES, EDITED: views("1")}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    # A repository, as projects are: Emacs's project.el (eglot's root) finds it by this.
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    broken, fixed = folder / "broken.py", folder / "fixed.py"
    broken.write_text(views("2,,"))  # a SyntaxError on the last line
    fixed.write_text(views("2"))
    return Project(root, broken, fixed)


def expected_range(project: Project) -> tuple[int, int, int, int]:
    """(line, col, end line, end col), 0-based as in LSP, of the broken save's SyntaxError,
    as this Python reports it (the app runs with this interpreter)."""
    try:
        compile(project.broken.read_text(), str(project.edited), "exec")
    except SyntaxError as error:
        assert error.lineno and error.offset
        end_line = error.end_lineno or error.lineno
        end = error.end_offset if error.end_offset and error.end_offset > error.offset else 0
        end_col = end - 1 if end else error.offset
        return error.lineno - 1, error.offset - 1, end_line - 1, end_col
    raise AssertionError("the broken text compiles")
