"""No app named or found: Start offers the project's candidates, and one of them runs."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcException

from .conftest import SessionFactory, port_is_free

# Flask's tutorial layout: a package with a factory, no app.py or wsgi.py at the top.
TUTORIAL = {
    "flaskr/__init__.py": """from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev")

    from . import blog

    app.register_blueprint(blog.bp)
    return app
""",
    "flaskr/blog.py": """from flask import Blueprint, render_template

bp = Blueprint("blog", __name__)


@bp.route("/")
def index():
    return render_template("blog/index.html", title="Posts")
""",
    "flaskr/templates/blog/index.html": "<h1>{{ title }}</h1>\n",
    "flaskr/static/style.css": "body { font-family: sans-serif; }\n",
    "tests/conftest.py": "from flaskr import create_app\n",
    ".flaskenv": "FLASK_DEBUG=1\n",
}


async def test_start_lists_the_candidates_then_runs_the_one_chosen(
    lsp_session: SessionFactory,
) -> None:
    session = await lsp_session(files=TUTORIAL)
    with pytest.raises(JsonRpcException) as refused:
        await session.command("failsafe-flask.start")
    error = refused.value
    assert error.code == -32803  # RequestFailed
    assert "flaskr:create_app (flaskr/__init__.py)" in error.message
    assert "failsafeFlask.app" in error.message
    assert error.data["reason"] == "noApp" and error.data["setting"] == "failsafeFlask.app"
    assert [c["app"] for c in error.data["candidates"]] == ["flaskr:create_app"]
    assert (await session.command("failsafe-flask.status"))["state"] == "stopped"
    assert port_is_free(session.port)

    mark = session.mark()
    await session.command("failsafe-flask.start", {"app": "flaskr:create_app"})
    status = await session.state("running", after=mark)
    assert status["app"] == "flaskr:create_app"
    assert await session.get("/") == (200, "<h1>Posts</h1>")


async def test_a_setting_saved_just_before_start_is_used(lsp_session: SessionFactory) -> None:
    """As the VS Code quick pick does: save failsafeFlask.app, then Start at once."""
    files = {
        "backend/app.py": "from flask import Flask\n\napp = Flask(__name__)\n\n"
        "@app.get('/')\ndef index():\n    return 'backend'\n"
    }
    session = await lsp_session(files=files)
    with pytest.raises(JsonRpcException) as refused:
        await session.command("failsafe-flask.start")
    [candidate] = refused.value.data["candidates"]
    assert candidate == {
        "app": "backend/app.py:app",
        "file": "backend/app.py",
        "name": "app",
        "factory": False,
    }
    session.client.set_configuration({"app": candidate["app"]}, section="failsafeFlask")
    mark = session.mark()
    await session.command("failsafe-flask.start")  # no didChangeConfiguration sent at all
    status = await session.state("running", after=mark)
    assert status["app"] == "backend/app.py:app"
    assert await session.get("/") == (200, "backend")
