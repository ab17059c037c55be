"""Projects laid out as real ones are, each named the way `flask run` finds it.

Every app answers ``/who`` with which code was loaded, so a test tells the module named
by FLASK_APP from a package of the same project that discovery would have picked.
"""

from __future__ import annotations

import textwrap


def _project(files: dict[str, str]) -> dict[str, str]:
    return {name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()}


# Flask's javascript example: a package named by FLASK_APP in .flaskenv, with templates.
JS_EXAMPLE = _project(
    {
        ".flaskenv": "FLASK_APP=js_example\n",
        "js_example/__init__.py": """
        from flask import Flask

        app = Flask(__name__)

        from js_example import views  # noqa: E402,F401
    """,
        "js_example/views.py": """
        from flask import render_template

        from js_example import app


        @app.route("/who")
        def who():
            return render_template("who.html", name="js_example")
    """,
        "js_example/templates/who.html": "{{ name }}\n",
    }
)

# The blog tutorial's layout: microblog.py (FLASK_APP) beside an `app/` package that
# discovery of app.py would import instead.
MICROBLOG = _project(
    {
        ".flaskenv": "FLASK_APP=microblog.py\n",
        "app/__init__.py": """
        from flask import Flask


        def create_app():
            app = Flask(__name__)

            @app.route("/who")
            def who():
                return "the app package"

            return app
    """,
        "microblog.py": """
        from app import create_app

        app = create_app()
        app.view_functions["who"] = lambda: "microblog.py"
    """,
        "app/templates/base.html": "<title>Microblog</title>\n",
    }
)

# FLASK_APP in .env (a single module), FLASK_DEBUG=0 in .flaskenv: no debugger.
DOTENV = _project(
    {
        ".flaskenv": "FLASK_DEBUG=0\n",
        ".env": "# local settings\nexport FLASK_APP='hello.py'\n",
        "hello.py": """
        from flask import Flask

        app = Flask(__name__)


        @app.route("/who")
        def who():
            return "hello.py"


        @app.route("/boom")
        def boom():
            raise RuntimeError("boom")
    """,
    }
)


def with_port(files: dict[str, str], port: int) -> dict[str, str]:
    """The project with FLASK_RUN_PORT in its .flaskenv, as a real project sets 4000."""
    flaskenv = files.get(".flaskenv", "") + f"FLASK_RUN_PORT={port}\n"
    return {**files, ".flaskenv": flaskenv}
