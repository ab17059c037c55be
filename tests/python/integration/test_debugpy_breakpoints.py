"""Debugging a realistic project with a real DAP client while the app never dies: line,
template, conditional and exception breakpoints and logpoints, kept across saves (the
client re-attaches to each new app process with the same breakpoints, as the README's
editor set-ups do), and a SyntaxError saved while debugging."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from dap_client import Breakpoints, DapClient, attach, reattach
from failsafe_flask.supervisor.events import State
from integration import debug_project as project
from integration.supervisor_harness import Harness, Response, get
from system import free_port

StartApp = Callable[..., "asyncio.Future[Harness]"]


class Session:
    """One app under the debugger: its harness, where to attach, a client and a pool
    for requests (each blocks while the debugger holds it)."""

    def __init__(self, app: Harness, address: tuple[str, int], points: Breakpoints) -> None:
        self.app, self.address, self.points = app, address, points
        self.client: DapClient | None = None
        self.pool = ThreadPoolExecutor(2)

    @property
    def dap(self) -> DapClient:
        assert self.client is not None
        return self.client

    def request(self, path: str) -> Future[Response]:
        return self.pool.submit(get, f"{self.app.url}{path}")

    async def attach(self, **options: Any) -> None:
        self.client = await asyncio.to_thread(attach, self.address, self.points, **options)

    async def reattach(self, **options: Any) -> None:
        """After a save: the retiring process ends the session, the next one is attached."""
        self.client = await asyncio.to_thread(
            reattach, self.dap, self.address, self.points, **options
        )

    async def stopped(self, after: int) -> tuple[int, dict[str, Any]]:
        """The next ``stopped``: its thread and top frame."""
        event = await asyncio.to_thread(self.dap.event, "stopped", after)
        thread = event["body"]["threadId"]
        trace = await asyncio.to_thread(self.dap.request, "stackTrace", threadId=thread)
        return thread, trace["stackFrames"][0]

    async def local(self, frame: dict[str, Any], name: str) -> str:
        scopes = await asyncio.to_thread(self.dap.request, "scopes", frameId=frame["id"])
        ref = scopes["scopes"][0]["variablesReference"]  # Locals, or a template's context
        found = await asyncio.to_thread(self.dap.request, "variables", variablesReference=ref)
        return str(next(v["value"] for v in found["variables"] if v["name"] == name))

    async def resume(self, thread: int) -> None:
        await asyncio.to_thread(self.dap.request, "continue", threadId=thread)


@asynccontextmanager
async def debugging(
    start_app: StartApp,
    points: Breakpoints,
    preload: bool = True,
    stop_grace: float = 2.0,
    **options: Any,
) -> AsyncIterator[Session]:
    address = ("127.0.0.1", free_port())
    app = await start_app(
        project.FILES, app="shop", debugpy=address, preload=preload, stop_grace=stop_grace
    )
    await app.ready()
    session = Session(app, address, points)
    await session.attach(**options)
    try:
        yield session
    finally:
        if session.client is not None:
            session.client.close()
        session.pool.shutdown(wait=False, cancel_futures=True)


def views(root: Path) -> str:
    return str(root / "shop" / "views.py")


async def pause_in_items(session: Session, root: Path) -> str:
    """GET /items/21 with a breakpoint in the view: stopped at its line in that file,
    ``total`` read, continued; the page."""
    mark = session.dap.mark()
    reply = session.request("/items/21")
    thread, frame = await session.stopped(mark)
    assert (frame["name"], frame["line"]) == ("items", project.ITEMS_LINE)
    assert Path(frame["source"]["path"]).resolve() == Path(views(root)).resolve()
    assert await session.local(frame, "total") == "42"
    await session.resume(thread)
    return (await asyncio.wrap_future(reply)).body


@pytest.mark.parametrize("preload", [True, False], ids=["forked", "spawned"])
async def test_a_view_breakpoint_is_hit_again_in_the_new_process_after_a_save(
    start_app: StartApp, tmp_path: Path, preload: bool
) -> None:
    points = Breakpoints({views(tmp_path): [{"line": project.ITEMS_LINE}]})
    async with debugging(start_app, points, preload) as session:
        assert await pause_in_items(session, tmp_path) == "total 42"
        first = session.app.supervisor.status.pid
        mark = await session.app.save({"shop/views.py": project.views("sum")})
        await session.reattach()
        await session.app.ready(mark)
        process = await asyncio.to_thread(session.dap.event, "process")
        assert process["body"]["systemProcessId"] == session.app.supervisor.status.pid != first
        assert await pause_in_items(session, tmp_path) == "sum 42"


async def test_a_save_while_paused_at_a_breakpoint_restarts_at_once(
    start_app: StartApp, tmp_path: Path
) -> None:
    """The old process, paused by the debugger, still gives up the debug port on SIGTERM
    (pydevd never traces our own frames, so it cannot pause the loop that hears it): the
    new one serves and listens while the paused request goes on in the old one."""
    points = Breakpoints({views(tmp_path): [{"line": project.ITEMS_LINE}]})
    # A grace longer than any deadline: the paused process is not killed meanwhile.
    async with debugging(start_app, points, stop_grace=60.0) as session:
        mark = session.dap.mark()
        paused = session.request("/items/21")
        thread, _ = await session.stopped(mark)
        mark = await session.app.save({"shop/views.py": project.views("sum")})
        await session.app.ready(mark)
        assert (await asyncio.wrap_future(session.request("/items/1"))).body == "sum 2"
        await session.resume(thread)
        assert (await asyncio.wrap_future(paused)).body == "total 42"
        await session.reattach()
        assert await pause_in_items(session, tmp_path) == "sum 42"


async def test_a_template_breakpoint_stops_at_its_line(start_app: StartApp, tmp_path: Path) -> None:
    template = tmp_path / "shop" / "templates" / "list.html"
    points = Breakpoints({str(template): [{"line": project.TEMPLATE_LINE}]})
    async with debugging(start_app, points, jinja=True) as session:
        mark = session.dap.mark()
        reply = session.request("/list/1")
        thread, frame = await session.stopped(mark)
        assert frame["line"] == project.TEMPLATE_LINE
        assert Path(frame["source"]["path"]).resolve() == template.resolve()
        assert await session.local(frame, "name") == "'item-0'"
        await session.resume(thread)
        assert "<li>item-0</li>" in (await asyncio.wrap_future(reply)).body


async def test_a_conditional_breakpoint_stops_only_when_true(
    start_app: StartApp, tmp_path: Path
) -> None:
    points = Breakpoints({views(tmp_path): [{"line": project.LOOP_LINE, "condition": "i == 3"}]})
    async with debugging(start_app, points) as session:
        mark = session.dap.mark()
        reply = session.request("/sum/5")
        thread, frame = await session.stopped(mark)
        assert frame["line"] == project.LOOP_LINE
        assert await session.local(frame, "i") == "3"
        await session.resume(thread)
        assert (await asyncio.wrap_future(reply)).body == "10"
        stops = [m for m in session.dap.messages[mark:] if m.get("event") == "stopped"]
        assert len(stops) == 1  # i == 0, 1, 2 and 4 ran through


async def test_a_logpoint_writes_output_and_does_not_stop(
    start_app: StartApp, tmp_path: Path
) -> None:
    points = Breakpoints({views(tmp_path): [{"line": project.LOOP_LINE, "logMessage": "i={i}"}]})
    async with debugging(start_app, points) as session:
        mark = session.dap.mark()
        assert (await asyncio.wrap_future(session.request("/sum/3"))).body == "3"

        def logged(message: dict[str, Any]) -> bool:
            return message.get("event") == "output" and "i=2" in message["body"]["output"]

        await asyncio.to_thread(session.dap.wait, logged, "the logpoint's output", mark)
        outputs = "".join(
            m["body"]["output"] for m in session.dap.messages[mark:] if m.get("event") == "output"
        )
        assert [line for line in outputs.splitlines() if line.startswith("i=")] == [
            "i=0",
            "i=1",
            "i=2",
        ]
        assert not [m for m in session.dap.messages[mark:] if m.get("event") == "stopped"]


@pytest.mark.parametrize("mode", ["raised", "userUnhandled"])
async def test_an_exception_breakpoint_stops_where_the_exception_is_raised(
    start_app: StartApp, mode: str
) -> None:
    """Both stop at the raise, in the module the view calls, with the view below it;
    ``userUnhandled`` is what "uncaught" is in a view (Flask catches everything)."""
    async with debugging(start_app, Breakpoints(exceptions=[mode])) as session:
        mark = session.dap.mark()
        reply = session.request("/missing")
        thread, frame = await session.stopped(mark)
        assert (frame["name"].split()[0], frame["line"]) == ("find", project.RAISE_LINE)
        trace = await asyncio.to_thread(session.dap.request, "stackTrace", threadId=thread)
        below = [(f["name"].split()[0], f["line"]) for f in trace["stackFrames"][1:]]
        assert ("missing", project.MISSING_LINE) in below
        info = await asyncio.to_thread(session.dap.request, "exceptionInfo", threadId=thread)
        assert "LookupError" in info["exceptionId"]
        # Off before going on: ``raised`` would stop again in each frame it unwinds.
        await asyncio.to_thread(session.dap.request, "setExceptionBreakpoints", filters=[])
        await session.resume(thread)
        assert (await asyncio.wrap_future(reply)).status == 500


async def test_a_syntax_error_saved_while_debugging_then_its_fix_resumes_debugging(
    start_app: StartApp, tmp_path: Path
) -> None:
    points = Breakpoints({views(tmp_path): [{"line": project.ITEMS_LINE}]})
    async with debugging(start_app, points) as session:
        broken = project.views().replace("def items(count):", "def items(count)")
        mark = await session.app.save({"shop/views.py": broken})
        await session.reattach()  # the error page's process listens too
        error = await session.app.load_error(mark)
        syntax = error.error["syntax"]
        assert syntax is not None and (syntax["file"], syntax["line"]) == (views(tmp_path), 9)
        assert (await asyncio.wrap_future(session.request("/items/1"))).status == 500
        mark = await session.app.save({"shop/views.py": project.views("fixed")})
        await session.reattach()
        await session.app.ready(mark)
        assert await pause_in_items(session, tmp_path) == "fixed 42"


async def test_a_client_that_terminates_the_debuggee_ends_that_app_process_only(
    start_app: StartApp, tmp_path: Path
) -> None:
    """As nvim-dap's terminate(): the app process ends, the supervisor says so and
    answers; the next save starts an app process that listens again."""
    points = Breakpoints({views(tmp_path): [{"line": project.ITEMS_LINE}]})
    async with debugging(start_app, points) as session:
        mark = session.app.mark()
        await asyncio.to_thread(session.dap.request, "terminate")
        await session.app.state(State.FAILED, mark)
        assert (await asyncio.wrap_future(session.request("/items/1"))).status == 503
        mark = await session.app.save({"shop/views.py": project.views("again")})
        await session.app.ready(mark)
        session.dap.close()
        await session.attach()
        assert await pause_in_items(session, tmp_path) == "again 42"


async def test_with_wait_an_import_time_breakpoint_stops_every_new_process(
    start_app: StartApp, tmp_path: Path
) -> None:
    """debugpy_wait: each app process waits for the debugger before it loads the app, so
    a breakpoint at a module's top level stops the first load and the load after a save."""
    address = ("127.0.0.1", free_port())
    app = await start_app(project.FILES, app="shop", debugpy=address, debugpy_wait=True)
    points = Breakpoints({views(tmp_path): [{"line": project.BLUEPRINT_LINE}]})
    session = Session(app, address, points)
    try:
        for label in ("total", "sum"):
            mark = app.mark()
            if label == "total":
                await session.attach()
            else:
                mark = await app.save({"shop/views.py": project.views(label)})
                await session.reattach()
            thread, frame = await session.stopped(0)
            assert (frame["name"], frame["line"]) == ("<module>", project.BLUEPRINT_LINE)
            await session.resume(thread)
            await app.ready(mark)
            assert (await asyncio.wrap_future(session.request("/items/1"))).body == f"{label} 2"
    finally:
        if session.client is not None:
            session.client.close()
        session.pool.shutdown(wait=False, cancel_futures=True)
