"""The configured port and the served port never disagree silently: after a refused
move the status says where the app is served, and Restart tries the configured one."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable
from typing import Any

import pytest

from failsafe_flask.supervisor.core import StartError
from failsafe_flask.supervisor.events import State
from faults.answer_client import arequest
from integration.supervisor_harness import Harness

APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version 1"
"""


async def test_a_refused_move_is_said_and_restart_moves_once_the_port_is_free(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": APP})
    await app.ready()
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    with pytest.raises(StartError, match="already in use"):
        await app.supervisor.reconfigure(dataclasses.replace(app.config, port=port))
    served = f"http://127.0.0.1:{app.port}/"
    assert app.supervisor.status.message.startswith(f"Still on {served}: Port {port}")
    mark = app.mark()
    await app.supervisor.restart("restart command")  # still taken: restarts where it is
    await app.ready(mark)
    status = app.supervisor.status
    assert status.message == f"Running on {served}, not on 127.0.0.1:{port} (in use)"
    assert (await arequest(app.port)).body == "version 1"
    taken.close()
    mark = app.mark()
    await app.supervisor.restart("restart command")  # free now: it moves
    await app.ready(mark)
    assert app.supervisor.status.url == f"http://127.0.0.1:{port}/"
    assert app.supervisor.status.message == f"Running on http://127.0.0.1:{port}/"
    assert app.supervisor.status.state == State.RUNNING
    assert (await arequest(port)).body == "version 1"
