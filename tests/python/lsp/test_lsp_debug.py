"""Other editors' way to debug: the language server runs the app under debugpy and says
in the status where to attach; a DAP client attaches there and stops at a breakpoint."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from dap_client import DapClient

from .conftest import SessionFactory, neovim_capabilities

APP = """from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    greeting = "hello"
    return greeting
"""
LINE = 9  # return greeting


def _stop_once(address: tuple[str, int], app_py: Path, url: str) -> str:
    """Attach, break in the view, read its local, continue; the page it served."""
    client = DapClient.connect(*address)
    try:
        client.request("initialize", adapterID="nvim-dap", pathFormat="path")
        attach = client.send("attach", justMyCode=True)
        client.event("initialized")
        client.request("setBreakpoints", source={"path": str(app_py)}, breakpoints=[{"line": LINE}])
        client.request("configurationDone")
        client.response(attach, "attach")
        with ThreadPoolExecutor(1) as pool:
            from integration.supervisor_harness import get

            reply = pool.submit(get, url)
            thread = client.event("stopped")["body"]["threadId"]
            frame = client.request("stackTrace", threadId=thread)["stackFrames"][0]
            assert (frame["name"], frame["line"]) == ("index", LINE)
            client.request("continue", threadId=thread)
            return reply.result().body
    finally:
        client.close()


def _address(value: Any) -> tuple[str, int]:
    """{host, port}: pygls hands nested objects of a custom notification over as
    namedtuple-like objects."""
    assert value is not None, "no debugpy address in the status"
    plain = value if isinstance(value, dict) else value._asdict()
    return plain["host"], plain["port"]


async def test_debug_command_runs_the_app_under_debugpy_and_says_where(
    lsp_session: SessionFactory,
) -> None:
    session = await lsp_session(capabilities=neovim_capabilities(), files={"app.py": APP})
    mark = session.mark()
    answer = await session.command("failsafe-flask.debug")
    status = await session.state("running", after=mark)
    address = _address(status["debugpy"])
    assert address[0] == "127.0.0.1" and address[1] > 0
    assert _address(answer["debugpy"]) == address  # the command's answer says it too
    url = f"http://127.0.0.1:{session.port}/"
    assert await asyncio.to_thread(_stop_once, address, session.root / "app.py", url) == "hello"
    # Start (not Debug) runs it without the debugger again.
    mark = session.mark()
    await session.command("failsafe-flask.start")
    assert (await session.state("running", after=mark))["debugpy"] is None


async def test_debug_command_listens_where_the_debugpy_setting_says(
    lsp_session: SessionFactory,
) -> None:
    from system import free_port

    port = free_port()
    session = await lsp_session(
        capabilities=neovim_capabilities(), files={"app.py": APP}, settings={"debugpy": port}
    )
    mark = session.mark()
    await session.command("failsafe-flask.debug")
    status = await session.state("running", after=mark)
    assert _address(status["debugpy"]) == ("127.0.0.1", port)
