"""A launch that fails never ends the restart path nor leaves anything half-started:
it becomes state ``failed`` with one sentence, the port answers 503 with it, and the
next save, Restart or settings change tries again."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException, JsonRpcInternalError

from failsafe_flask.supervisor.core import StartError
from failsafe_flask.supervisor.events import LaunchFailed, State
from faults.answer_client import arequest
from integration.supervisor_harness import Harness, write
from lsp.conftest import SessionFactory
from system import app_processes, port_is_free

APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version 1"
"""
BAD_ENVS = [
    ({"TOKEN": "a\0b"}, "The env setting TOKEN holds a NUL character"),
    ({"A=B": "1"}, "The env setting has an invalid variable name 'A=B'"),
]
IDS = ["NUL in a value", "= in a name"]


@pytest.mark.parametrize("preload", [True, False], ids=["forked", "spawned"])
@pytest.mark.parametrize(("env", "said"), BAD_ENVS, ids=IDS)
async def test_a_restart_that_cannot_launch_fails_answers_and_retries(
    start_app: Callable[..., Any], env: dict[str, str], said: str, preload: bool
) -> None:
    app: Harness = await start_app({"app.py": APP}, preload=preload)
    await app.ready()
    mark = app.mark()
    await app.supervisor.reconfigure(dataclasses.replace(app.config, env=env))
    failed = await app.wait(lambda e: isinstance(e, LaunchFailed), mark)
    assert isinstance(failed, LaunchFailed) and failed.message == said
    await app.state(State.FAILED, mark)
    assert app.supervisor.status.message == said and app.supervisor.status.pid is None
    answer = await arequest(app.port)
    assert answer.from_supervisor and html.escape(said) + "." in answer.body
    mark = await app.save({"app.py": APP.replace("1", "2")})  # a save tries again ...
    await app.wait(lambda e: isinstance(e, LaunchFailed), mark)
    mark = app.mark()
    await app.supervisor.reconfigure(app.config)  # ... and a good setting recovers
    await app.ready(mark)
    assert (await arequest(app.port)).body == "version 2"


@pytest.mark.parametrize(("env", "said"), BAD_ENVS, ids=IDS)
async def test_a_start_that_cannot_launch_leaves_everything_stopped(
    tmp_path: Path, env: dict[str, str], said: str
) -> None:
    write(tmp_path, {"app.py": APP})
    app = Harness(tmp_path, env=env)
    with pytest.raises(StartError) as raised:
        await app.supervisor.start()
    assert str(raised.value) == said + "."
    status = app.supervisor.status
    assert (status.state, status.pid, status.message) == (State.STOPPED, None, said)
    assert port_is_free(app.port) and app_processes() == []
    good = Harness(tmp_path)
    await good.supervisor.start()  # nothing was left holding anything
    try:
        await good.ready()
    finally:
        await good.supervisor.stop()


async def test_the_language_server_answers_a_failed_start_with_one_sentence(
    lsp_session: SessionFactory,
) -> None:
    session = await lsp_session(settings={"env": {"TOKEN": "a\0b"}}, files={"app.py": APP})
    with pytest.raises(JsonRpcException) as raised:
        await session.command("failsafe-flask.start")
    assert raised.value.message == "The env setting TOKEN holds a NUL character."
    assert raised.value.code != JsonRpcInternalError.CODE  # not -32603 with a traceback
    assert (await session.command("failsafe-flask.status"))["state"] == "stopped"
    assert port_is_free(session.port)
