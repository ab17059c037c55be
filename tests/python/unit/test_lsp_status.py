"""The status the language server sends names the app that runs."""

from __future__ import annotations

from failsafe_flask.lsp.status import status_line, status_payload
from failsafe_flask.supervisor.events import State, Status


def test_the_status_names_the_app_that_runs() -> None:
    running = Status(State.RUNNING, "http://127.0.0.1:5000/", 42, app="flaskr:create_app")
    assert status_payload(running)["app"] == "flaskr:create_app"
    assert status_line(running).startswith("Failsafe Flask: running flaskr:create_app http://")


def test_nothing_is_named_when_nothing_runs() -> None:
    assert "flaskr" not in status_line(Status(app="flaskr:create_app"))
    assert status_payload(Status())["app"] == ""
