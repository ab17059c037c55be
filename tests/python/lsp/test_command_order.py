"""Commands sent back to back, without waiting for answers, take effect in the order sent:
each works on the state the one before left, and answers with the state it produced
(issue 12 item 7). The real server over stdio, a real app on real ports.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types as lsp

from .conftest import DEADLINE, Session, SessionFactory, free_port, port_is_free

HELLO = """from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "hello"
"""

UP = {"starting", "running"}  # what a start answers: its launch is done, perhaps not the load


async def _burst(session: Session, *commands: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Send every command at once, in order, then collect the answers."""
    futures = [
        # send_request_async writes the request before it returns: the order is the
        # order of these calls.
        session.client.protocol.send_request_async(
            "workspace/executeCommand",
            lsp.ExecuteCommandParams(command=name, arguments=list(args) or None),
        )
        for name, *args in commands
    ]
    answers = await asyncio.wait_for(asyncio.gather(*futures), DEADLINE * len(futures))
    return [dict(answer) for answer in answers]


async def _settled(session: Session, port: int) -> dict[str, Any]:
    """The last status once the app runs on ``port``, and the command's word on it."""
    url = f"http://127.0.0.1:{port}/"

    def running() -> bool:
        last = session.statuses[-1] if session.statuses else {}
        return last.get("state") == "running" and last.get("url") == url

    await session.until(running, f"running on {url}")
    answer = dict(await session.command("failsafe-flask.status"))
    assert answer["state"] == "running" and answer["url"] == url
    assert await session.get("/", port=port) == (200, "hello")
    return answer


async def _started(lsp_session: SessionFactory) -> Session:
    session = await lsp_session(files={"app.py": HELLO})
    await session.command("failsafe-flask.start")
    await _settled(session, session.port)
    return session


async def test_stop_then_start_ends_running(lsp_session: SessionFactory) -> None:
    session = await _started(lsp_session)
    stop, start = await _burst(session, ("failsafe-flask.stop",), ("failsafe-flask.start",))
    assert stop["state"] == "stopped"
    assert start["state"] in UP
    await _settled(session, session.port)


async def test_start_stop_start_ends_running(lsp_session: SessionFactory) -> None:
    session = await lsp_session(files={"app.py": HELLO})
    answers = await _burst(
        session, ("failsafe-flask.start",), ("failsafe-flask.stop",), ("failsafe-flask.start",)
    )
    assert [a["state"] in UP for a in answers] == [True, False, True]
    assert answers[1]["state"] == "stopped"
    await _settled(session, session.port)


async def test_restart_restart_stop_restart_ends_running(lsp_session: SessionFactory) -> None:
    session = await _started(lsp_session)
    names = ["restart", "restart", "stop", "restart"]
    answers = await _burst(session, *((f"failsafe-flask.{name}",) for name in names))
    assert answers[2]["state"] == "stopped"
    assert answers[3]["state"] in UP  # a restart of a stopped app starts it
    await _settled(session, session.port)


async def test_move_away_and_back_in_one_burst(lsp_session: SessionFactory) -> None:
    """The second start runs once the first has moved off port A: A is free for it."""
    session = await _started(lsp_session)
    home = session.port
    for _ in range(3):
        away = free_port()
        there, back = await _burst(
            session,
            ("failsafe-flask.start", {"port": away}),
            ("failsafe-flask.start", {"port": home}),
        )
        assert there["url"] == f"http://127.0.0.1:{away}/"
        assert back["url"] == f"http://127.0.0.1:{home}/"
        await _settled(session, home)
        assert port_is_free(away)


async def test_start_then_stop_leaves_the_port_free(
    lsp_session: SessionFactory,
) -> None:
    session = await lsp_session(files={"app.py": HELLO})
    start, stop = await _burst(session, ("failsafe-flask.start",), ("failsafe-flask.stop",))
    assert start["state"] in UP and stop["state"] == "stopped"
    assert port_is_free(session.port)
    answer = await session.command("failsafe-flask.status")
    assert answer["state"] == "stopped"
