"""Garbage on the app channel: each bad line is said once, cut and escaped, and the
supervisor goes on reading; the app's real events still arrive and are believed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from failsafe_flask.supervisor.events import AppOutput, AppRequestError, State
from integration.supervisor_harness import Harness, aget
from system import DEADLINE

# What the app writes on its event pipe while it is imported, before its real "ready".
GARBAGE = [
    '{"event":"ready","pid":1,"files":[],"packages":[]}',  # no url
    '{"event":"ready","pid":1,"url":"http://evil/","files":[],"packages":5}',  # wrong type
    '{"event":"request_error","pid":1,"method":"GET","path":"/","error":{"type":"E"}}',
    '{"event":"reload","pid":1}',  # no such event
    "not JSON \x1b[2J\x1b]0;PWNED\x07" + "x" * 5_000,
    "[1, 2, 3]",
]
SAID = [
    "ready: no 'url'",
    "ready.packages: expected array, got integer",
    "request_error.error: no 'message'",
    'unknown event "reload"',
    'not JSON: "not JSON \\u001b[2J\\u001b]0;PWNED\\u0007xxx',
    "not a JSON object",
]
FILES = {
    "shop/__init__.py": """
        import json, os
        from flask import Flask

        GARBAGE = json.loads(os.environ["GARBAGE"])


        def create_app():
            fd = int(os.environ["FAILSAFE_FLASK_EVENT_FD"])
            os.write(fd, "".join(line + "\\n" for line in GARBAGE).encode())
            app = Flask(__name__)
            from shop.views import views
            app.register_blueprint(views)
            return app
    """,
    "shop/views.py": """
        from flask import Blueprint, render_template

        views = Blueprint("views", __name__)


        @views.route("/")
        def index():
            return render_template("index.html", name="shop")


        @views.route("/boom")
        def boom():
            raise RuntimeError("boom")
    """,
    "shop/templates/index.html": "<h1>{{ name }}</h1>\n",
}


@pytest.mark.parametrize("preload", [True, False], ids=["forked", "spawned"])
async def test_malformed_messages_are_said_and_the_reader_goes_on(
    start_app: Callable[..., Any], preload: bool
) -> None:
    app: Harness = await start_app(
        FILES, app="shop", preload=preload, env={"GARBAGE": json.dumps(GARBAGE)}
    )
    ready = await app.ready()
    assert ready.url == f"http://127.0.0.1:{app.port}/"  # the real one, not a forged one
    await app.state(State.RUNNING)
    assert app.supervisor.status.url == ready.url
    assert (await aget(app.url)).body == "<h1>shop</h1>"
    notes = [e.line for e in app.events if isinstance(e, AppOutput) and "malformed" in e.line]
    assert len(notes) == len(GARBAGE), notes
    for note, said in zip(notes, SAID):
        assert said in note, note
        assert len(note) < 400 and not any(ord(char) < 32 for char in note)
    # Still reading: a request error after the garbage arrives, and counts.
    mark = app.mark()
    assert (await aget(f"{app.url}/boom")).status == 500
    error = await app.wait(lambda e: isinstance(e, AppRequestError), mark, DEADLINE)
    assert isinstance(error, AppRequestError) and error.path == "/boom"
    assert app.supervisor.status.state == State.RUNNING and app.supervisor.status.errors == 1
