"""Other editors debugging through the language server across restarts: the status keeps
saying where to attach, a client that re-attaches there after a save (as nvim-dap and
dap-mode do in the README's set-ups) stops again at the same breakpoint, and a
SyntaxError saved while debugging is a diagnostic whose fix resumes debugging."""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from dap_client import Breakpoints, DapClient, attach, reattach
from integration.supervisor_harness import get

from .conftest import Session, SessionFactory, neovim_capabilities


def _app(word: str) -> str:
    return f"""from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    greeting = {word!r}
    return greeting
"""


LINE = 9  # return greeting


def _address(value: Any) -> tuple[str, int]:
    assert value is not None, "no debugpy address in the status"
    plain = value if isinstance(value, dict) else value._asdict()
    return plain["host"], plain["port"]


def _stop_in_view(client: DapClient, url: str) -> str:
    """Request the page: stopped in the view, its local read, continued; the page."""
    with ThreadPoolExecutor(1) as pool:
        mark = client.mark()
        reply = pool.submit(get, url)
        thread = client.event("stopped", mark)["body"]["threadId"]
        frame = client.request("stackTrace", threadId=thread)["stackFrames"][0]
        assert (frame["name"], frame["line"]) == ("index", LINE)
        scopes = client.request("scopes", frameId=frame["id"])["scopes"]
        found = client.request("variables", variablesReference=scopes[0]["variablesReference"])
        greeting = next(v["value"] for v in found["variables"] if v["name"] == "greeting")
        client.request("continue", threadId=thread)
        assert reply.result().body == greeting.strip("'")
        return reply.result().body


def _errors(session: Session) -> list[lsp.Diagnostic]:
    return [d for d in session.diagnostics.get(session.uri("app.py"), []) if d.severity == 1]


async def test_debugging_follows_the_app_across_saves_and_a_syntax_error(
    lsp_session: SessionFactory,
) -> None:
    session = await lsp_session(capabilities=neovim_capabilities(), files={"app.py": _app("a")})
    mark = session.mark()
    await session.command("failsafe-flask.debug")
    address = _address((await session.state("running", after=mark))["debugpy"])
    points = Breakpoints({str(Path(session.root, "app.py")): [{"line": LINE}]})
    url = f"http://127.0.0.1:{session.port}/"
    client = await asyncio.to_thread(attach, address, points)
    try:
        assert await asyncio.to_thread(_stop_in_view, client, url) == "a"

        mark = session.mark()
        session.save("app.py", _app("b"))
        client = await asyncio.to_thread(reattach, client, address, points)
        restarted = await session.state("running", after=mark)
        assert _address(restarted["debugpy"]) == address  # the same place after a restart
        assert await asyncio.to_thread(_stop_in_view, client, url) == "b"

        mark = session.mark()
        session.save("app.py", _app("b") + "\ndef broken(:\n")
        client = await asyncio.to_thread(reattach, client, address, points)
        failed = await session.state("failed", after=mark)
        assert _address(failed["debugpy"]) == address
        [syntax] = await session.until(lambda: _errors(session), "the SyntaxError's diagnostic")
        assert syntax.message.startswith("SyntaxError")

        mark = session.mark()
        session.save("app.py", _app("c"))
        client = await asyncio.to_thread(reattach, client, address, points)
        await session.state("running", after=mark)
        await session.until(lambda: not _errors(session), "the diagnostic cleared")
        assert await asyncio.to_thread(_stop_in_view, client, url) == "c"
    finally:
        client.close()


async def test_a_debug_port_another_program_holds_is_one_sentence(
    lsp_session: SessionFactory,
) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        held = other.getsockname()[1]
        session = await lsp_session(
            capabilities=neovim_capabilities(),
            files={"app.py": _app("a")},
            settings={"debugpy": held},
        )
        mark = session.mark()
        said = f"The debug port {held} on 127.0.0.1 is in use by "
        with pytest.raises(JsonRpcException, match=said):
            await session.command("failsafe-flask.debug")
        status = await session.until(
            lambda: next((s for s in session.statuses[mark:] if said in s["message"]), None),
            "the status saying why",
        )
        assert status["state"] == "stopped" and status["message"].startswith("Start failed: ")
