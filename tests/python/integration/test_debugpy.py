"""Debugging with breakpoints while the app never dies: a real DAP client against the
debugpy adapter that each app process listens with, across a restart."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dap_client import DapClient
from integration.supervisor_harness import Harness, Response, get
from system import free_port, until, wait_until

INIT = """
    from flask import Flask

    def create_app():
        app = Flask(__name__)
        from . import views
        app.register_blueprint(views.bp)
        return app
"""

VIEWS = """
    from flask import Blueprint, render_template

    bp = Blueprint("views", __name__)
    LABEL = "total"

    @bp.route("/items/<int:count>")
    def items(count):
        total = count * 2
        return render_template("items.html", label=LABEL, total=total)

    @bp.route("/boom")
    def boom():
        return {}["missing"]
"""

FILES = {
    ".flaskenv": "FLASK_APP=shop\n",
    "shop/__init__.py": INIT,
    "shop/views.py": VIEWS,
    "shop/templates/items.html": "<p>{{ label }} {{ total }}</p>\n",
    "shop/static/site.css": "p { color: teal; }\n",
}
VIEW_LINE = 10  # `return render_template(...)` in items(), after the dedent
IMPORT_LINE = 5  # LABEL = "total": runs when the module is imported
BOOM_LINE = 14

StartApp = Callable[..., "asyncio.Future[Harness]"]


@contextmanager
def attached(
    address: tuple[str, int], views: Path, lines: list[int], exceptions: tuple[str, ...] = ()
) -> Iterator[DapClient]:
    """Attach as an editor does: initialize, attach, breakpoints, configurationDone."""
    client = DapClient.connect(*address)
    try:
        client.request("initialize", adapterID="failsafe-flask", pathFormat="path")
        attach = client.send("attach", justMyCode=True)
        client.event("initialized")
        points = client.request(
            "setBreakpoints", source={"path": str(views)}, breakpoints=[{"line": n} for n in lines]
        )
        assert [b["verified"] for b in points["breakpoints"]] == [True] * len(lines)
        client.request("setExceptionBreakpoints", filters=list(exceptions))
        client.request("configurationDone")
        client.response(attach, "attach")
        yield client
    finally:
        client.close()


def stopped_at(client: DapClient, after: int) -> tuple[int, dict[str, Any]]:
    """Wait for ``stopped``; its thread and top frame."""
    thread = client.event("stopped", after)["body"]["threadId"]
    frames = client.request("stackTrace", threadId=thread)["stackFrames"]
    return thread, frames[0]


def local(client: DapClient, frame: dict[str, Any], name: str) -> str:
    scopes = client.request("scopes", frameId=frame["id"])["scopes"]
    ref = next(s["variablesReference"] for s in scopes if s["name"] == "Locals")
    variables = client.request("variables", variablesReference=ref)["variables"]
    return str(next(v["value"] for v in variables if v["name"] == name))


def requested(pool: ThreadPoolExecutor, url: str) -> Future[Response]:
    """The request runs in a thread: it blocks while the debugger holds the view."""
    return pool.submit(get, url)


def pause_in_view(client: DapClient, pool: ThreadPoolExecutor, url: str, views: Path) -> str:
    """Request a view with a breakpoint: stopped at its line, a local read, continued."""
    mark = client.mark()
    reply = requested(pool, f"{url}/items/21")
    thread, frame = stopped_at(client, mark)
    assert (frame["name"], frame["line"]) == ("items", VIEW_LINE)
    assert Path(frame["source"]["path"]).resolve() == views.resolve()
    assert local(client, frame, "total") == "42"
    client.request("continue", threadId=thread)
    return reply.result().body


def debug_port_free(address: tuple[str, int]) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return False
        return True


@pytest.mark.parametrize("preload", [True, False], ids=["forked", "spawned"])
async def test_breakpoint_is_hit_again_in_the_app_process_after_a_save(
    start_app: StartApp, tmp_path: Path, preload: bool
) -> None:
    address = ("127.0.0.1", free_port())
    app = await start_app(FILES, app="shop", debugpy=address, preload=preload)
    await app.ready()
    views = tmp_path / "shop" / "views.py"
    with ThreadPoolExecutor(2) as pool:
        with attached(address, views, [VIEW_LINE]) as client:
            assert await asyncio.to_thread(pause_in_view, client, pool, app.url, views) == (
                "<p>total 42</p>"
            )
            first = app.supervisor.status.pid
            mark = await app.save({"shop/views.py": VIEWS.replace('"total"', '"sum"')})
            # The retiring app process ends its debug session (it let go of the port
            # when told to stop); the client lets go too, as editors do on `terminated`.
            await asyncio.to_thread(client.event, "terminated")
        await app.ready(mark)
        assert app.supervisor.status.pid != first
        with attached(address, views, [VIEW_LINE]) as client:
            process = await asyncio.to_thread(client.event, "process")
            assert process["body"]["systemProcessId"] == app.supervisor.status.pid
            assert await asyncio.to_thread(pause_in_view, client, pool, app.url, views) == (
                "<p>sum 42</p>"
            )
    await app.supervisor.stop()
    await until(lambda: debug_port_free(address), "the app process let go of the debug port")


@pytest.mark.parametrize("mode", ["raised", "userUnhandled"])
async def test_exception_breakpoint_stops_where_the_view_raises(
    start_app: StartApp, tmp_path: Path, mode: str
) -> None:
    """``raised`` stops at the raise; ``userUnhandled`` (what "uncaught" means in a Flask
    view, whose exceptions Flask catches) at the view that lets it out."""
    address = ("127.0.0.1", free_port())
    app = await start_app(FILES, app="shop", debugpy=address)
    await app.ready()
    with ThreadPoolExecutor(1) as pool, attached(address, tmp_path, [], (mode,)) as client:
        mark = client.mark()
        reply = requested(pool, f"{app.url}/boom")
        thread, frame = await asyncio.to_thread(stopped_at, client, mark)
        # userUnhandled names the frame "boom (Current frame)"
        assert (frame["name"].split()[0], frame["line"]) == ("boom", BOOM_LINE)
        info = client.request("exceptionInfo", threadId=thread)
        assert "KeyError" in info["exceptionId"]
        client.request("continue", threadId=thread)
        assert (await asyncio.wrap_future(reply)).status == 500


async def test_breakpoint_at_import_time_stops_the_first_load(
    start_app: StartApp, tmp_path: Path
) -> None:
    """With debugpy_wait the app process waits for the debugger before loading the app,
    so a breakpoint in a module's top level is hit by the load itself."""
    address = ("127.0.0.1", free_port())
    # Spawned: a test this short would end while the preloader the first load asks for
    # is still being built (its cancellation is the pool's business, not this test's).
    app = await start_app(FILES, app="shop", debugpy=address, debugpy_wait=True, preload=False)
    views = tmp_path / "shop" / "views.py"

    def load_under_debugger() -> str:
        with attached(address, views, [IMPORT_LINE]) as client:
            thread, frame = stopped_at(client, 0)
            assert (frame["name"], frame["line"]) == ("<module>", IMPORT_LINE)
            client.request("continue", threadId=thread)
            return get(f"{app.url}/items/1").body

    connected = await asyncio.to_thread(_connect_until_listening, address)
    assert connected
    assert await asyncio.to_thread(load_under_debugger) == "<p>total 2</p>"


def _connect_until_listening(address: tuple[str, int]) -> bool:
    """The app process listens once it has started: a free port until then."""
    wait_until(lambda: not debug_port_free(address), "the app process listens for a debugger")
    return True
