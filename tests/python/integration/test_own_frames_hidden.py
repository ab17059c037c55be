"""No frame of Failsafe Flask (nor of Flask's loader) in what the user reads: the terminal
and the browser, for a SyntaxError and for template errors, through ``failsafe-flask run``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.cli_harness import Terminal
from integration.supervisor_harness import get, write
from system import free_port

APP = """
    from flask import Flask, render_template
    import views

    app = Flask(__name__)

    @app.route("/boom")
    def boom():
        return render_template("boom.html")
"""
RENDERS_AT_IMPORT = """
    with app.app_context():
        render_template("page.html")
"""
OURS = "failsafe_flask"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Terminal, str]]:
    write(
        tmp_path,
        {
            "app.py": APP,
            "views.py": "def index():\n    return 'ok'\n",
            "templates/page.html": "<h1>Shop</h1>\n{% if %}\n",
            "templates/boom.html": "<p>{{ 1 // 0 }}</p>\n",
            "static/site.css": "h1 { color: teal }\n",
        },
    )
    port = free_port()
    term = Terminal(tmp_path, "--port", str(port))
    term.expect("Running: serving on")
    yield term, f"http://127.0.0.1:{port}"
    term.kill_group()


def _clean(text: str) -> None:
    assert OURS not in text, text
    assert "flask/cli.py" not in text, text


def test_a_syntax_error_shows_only_the_users_lines(
    tmp_path: Path, served: tuple[Terminal, str]
) -> None:
    terminal, url = served
    write(tmp_path, {"views.py": "def index(:\n    return 'ok'\n"})
    assert "at views.py:1;" in terminal.expect("The app failed to load")
    page = get(url + "/").body
    assert page.count("Traceback (most recent call last)") == 1
    assert f"File &quot;{tmp_path / 'app.py'}&quot;, line 3, in &lt;module&gt;" in page
    assert f"File &quot;{tmp_path / 'views.py'}&quot;, line 1" in page
    _clean(page)
    _clean(terminal.output())
    assert f'  File "{tmp_path / "app.py"}", line 3, in <module>' in terminal.lines


def test_a_template_error_at_load_and_in_a_request(
    tmp_path: Path, served: tuple[Terminal, str]
) -> None:
    terminal, url = served
    write(tmp_path, {"app.py": APP + RENDERS_AT_IMPORT})
    assert "at templates/page.html:2;" in terminal.expect("The app failed to load")
    page = get(url + "/").body
    assert f"File &quot;{tmp_path / 'templates' / 'page.html'}&quot;, line 2" in page
    _clean(page)

    write(tmp_path, {"app.py": APP})
    terminal.expect("Recovered: serving on")
    answer = get(url + "/boom")
    assert answer.status == 500
    assert "boom.html" in answer.body  # Werkzeug's debugger page, its traceback
    _clean(answer.body)
    last = "ZeroDivisionError: integer division or modulo by zero"
    while terminal.expect(last) != last:  # the app's own traceback, printed by Werkzeug
        pass
    _clean(terminal.output())


@pytest.mark.parametrize("preload", [True, False], ids=["forked", "spawned"])
def test_an_uncaught_crash_at_import_on_the_503_page(tmp_path: Path, preload: bool) -> None:
    """A KeyboardInterrupt is not caught as a load error: the app process dies, and the
    supervisor's page shows the last lines it wrote, which must be the user's only."""
    write(
        tmp_path,
        {"app.py": "from flask import Flask\napp = Flask(__name__)\nraise KeyboardInterrupt\n"},
    )
    port = free_port()
    term = Terminal(tmp_path, "--port", str(port), *([] if preload else ["--no-preload"]))
    try:
        term.expect("Waiting for a change")
        answer = get(f"http://127.0.0.1:{port}/")
        assert answer.status == 503
        assert f"File &quot;{tmp_path / 'app.py'}&quot;, line 3, in &lt;module&gt;" in answer.body
        _clean(answer.body)
        assert "runpy" not in answer.body
        _clean(term.output())
    finally:
        term.kill_group()
