"""No request waits on nobody: whenever no app process can answer, the supervisor does,
at once, with a 503 page that says what happened; a fix brings the real page back."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from failsafe_flask.supervisor.events import AppExited, State
from faults.answer_client import Answer, arequest
from integration.supervisor_harness import Harness

APP = textwrap.dedent(
    """
    import os
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version 1"

    @app.route("/crash")
    def crash():
        os._exit(1)
"""
)
FIXED = APP.replace("version 1", "version 2")


async def _down(app: Harness, path: str = "/") -> Answer:
    answer = await arequest(app.port, path)
    assert answer.from_supervisor, answer
    assert "reloads by itself once the app is back" in answer.body
    return answer


async def _fixed(app: Harness) -> None:
    mark = await app.save({"app.py": FIXED})
    await app.ready(mark)
    answer = await arequest(app.port)
    assert (answer.status, answer.body) == (200, "version 2")


@pytest.mark.parametrize(
    ("prelude", "said"),
    [
        ("import os, sys\nprint('no database', file=sys.stderr)\nos._exit(3)\n", "code 3"),
        ("import ctypes\nctypes.string_at(0)\n", "SIGSEGV"),
    ],
    ids=["os._exit(3) at import", "segfault at import"],
)
async def test_an_app_that_dies_at_import_gets_the_503_page_then_the_fix(
    start_app: Callable[..., Any], prelude: str, said: str
) -> None:
    app: Harness = await start_app({"app.py": prelude + APP})
    await app.wait(lambda e: isinstance(e, AppExited))
    answer = await _down(app)
    assert said in answer.body and "while loading the app" in answer.body
    if "no database" in prelude:
        assert "code 3 while loading the app: no database." in answer.body
    assert ".." not in app.supervisor.status.message
    await _fixed(app)


async def test_a_view_that_exits_is_named_as_the_request_in_flight(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": APP})
    await app.ready()
    assert (await arequest(app.port)).body == "version 1"  # an access-log line on stderr
    crashed = await arequest(app.port, "/crash")
    assert crashed.status == 0  # the process died holding it: nobody can answer that one
    exited = await app.wait(lambda e: isinstance(e, AppExited))
    assert isinstance(exited, AppExited)
    assert exited.message == "The app process exited with code 1 while serving GET /crash"
    answer = await _down(app, "/anything")
    assert "exited with code 1 while serving GET /crash." in answer.body
    assert "&quot;GET / HTTP/1.1&quot; 200" in answer.body  # the stderr tail, escaped
    await _fixed(app)


async def test_an_app_that_dies_right_after_loading_gets_the_503_page(
    start_app: Callable[..., Any],
) -> None:
    late = "import os, threading\nthreading.Timer(0.3, os._exit, (4,)).start()\n"
    app: Harness = await start_app({"app.py": late + APP})
    await app.ready()
    await app.wait(lambda e: isinstance(e, AppExited))
    answer = await _down(app)
    assert "exited with code 4." in answer.body
    await _fixed(app)


STUCK = """
    import time
    from flask import Flask

    def connect_to_database():
        while True:
            time.sleep(0.05)

    connect_to_database()
    app = Flask(__name__)
"""


async def test_a_stuck_load_is_stopped_and_answered_with_its_line(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": STUCK}, load_timeout=1.0)
    await app.load_error()
    answer = await _down(app)  # sent while the load hangs: answered once it is stopped
    assert "did not finish loading in 1 s at app.py:7" in answer.body
    assert app.supervisor.status.state == State.FAILED
    assert app.supervisor.status.message.endswith("(app.py:7)")
    await _fixed(app)


async def test_a_load_error_keeps_the_apps_own_500_page(start_app: Callable[..., Any]) -> None:
    app: Harness = await start_app({"app.py": APP + "1 / 0\n"})
    await app.load_error()
    answer = await arequest(app.port)
    assert answer.status == 500 and answer.headers.get("X-Failsafe-Flask") == "load-error"
    await _fixed(app)


async def test_the_503_page_answers_polls_and_head_and_leaves_no_request_unread(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": "import os\nos._exit(5)\n"})
    await app.wait(lambda e: isinstance(e, AppExited))
    poll = await arequest(app.port, headers={"X-Failsafe-Flask-Poll": "1"})
    assert poll.from_supervisor and "exited" not in poll.body
    page = await arequest(app.port)
    assert poll.headers["X-Failsafe-Flask-Error"] == page.headers["X-Failsafe-Flask-Error"]
    head = await arequest(app.port, method="HEAD")
    assert head.from_supervisor and head.body == ""
    posted = await arequest(app.port, "/form", method="POST", headers={"Content-Length": "0"})
    assert posted.from_supervisor
