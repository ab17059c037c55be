"""Live reload through a real supervisor and app process, seen over HTTP: the script in
pages and nowhere else, the event stream, and what a template or stylesheet save sends.
(The browser itself follows in tests/e2e/livereload.test.js.)"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from integration.event_stream import EVENTS, Stream
from integration.livereload_project import PROJECT
from integration.supervisor_harness import Harness, aget, get


async def _started(start_app: Any, **options: object) -> Harness:
    harness: Harness = await start_app(PROJECT, **options)
    await harness.ready()
    return harness


async def test_a_page_gets_the_script_with_content_length_right(start_app: Any) -> None:
    harness = await _started(start_app)
    page = await aget(harness.url + "/")
    assert page.status == 200 and "first" in page.body
    assert EVENTS in page.body and page.body.index(EVENTS) < page.body.rindex("</body>")
    assert int(page.headers["Content-Length"]) == len(page.body.encode())


async def test_json_file_fragment_and_reserved_path_are_left_alone(
    start_app: Any, tmp_path: Path
) -> None:
    on = await _started(start_app)
    off = await start_app(PROJECT, root=tmp_path / "off", live_reload=False)
    await off.ready()
    for path in ("/api/items", "/download", "/fragment"):
        with_it, without = await aget(on.url + path), await aget(off.url + path)
        assert (with_it.status, with_it.body) == (without.status, without.body), path
        assert with_it.headers["Content-Length"] == without.headers["Content-Length"]
    assert EVENTS not in (await aget(off.url + "/")).body
    reserved = await aget(on.url + "/__failsafe-flask__/anything")
    assert reserved.status == 404 and "app route" not in reserved.body
    assert "app route" in (await aget(off.url + EVENTS)).body  # off: the app's own


async def test_werkzeugs_debugger_page_gets_it_too(start_app: Any) -> None:
    harness = await _started(start_app)
    page = await aget(harness.url + "/boom")
    assert page.status == 500 and "RuntimeError" in page.body and EVENTS in page.body
    assert int(page.headers["Content-Length"]) == len(page.body.encode())


async def test_debug_off_means_no_script(start_app: Any) -> None:
    harness = await _started(start_app, debug=False)
    page = await aget(harness.url + "/")
    assert "first" in page.body and EVENTS not in page.body


async def test_a_csp_gets_a_nonce_or_the_script_is_left_out(start_app: Any) -> None:
    harness = await _started(start_app)
    strict = await aget(harness.url + "/strict")
    nonce = re.search(r'<script nonce="([^"]+)"', strict.body)
    assert nonce is not None
    policy = strict.headers["Content-Security-Policy"]
    assert f"script-src 'self' 'nonce-{nonce.group(1)}'" in policy
    assert policy.startswith("default-src 'self'; style-src 'self'")
    locked = await aget(harness.url + "/locked")
    assert "locked" in locked.body and EVENTS not in locked.body
    assert locked.headers["Content-Security-Policy"] == "script-src 'none'"
    await harness.wait(lambda e: "Live reload left out" in str(e) and "/locked" in str(e))


async def test_template_and_stylesheet_saves_reach_the_stream_without_a_restart(
    start_app: Any,
) -> None:
    harness = await _started(start_app)
    stream = await asyncio.to_thread(Stream, harness.port)
    try:
        name, hello = await asyncio.to_thread(stream.next_event)
        assert name == "hello" and "generation" in hello
        restarts = harness.supervisor.status.restarts
        await harness.save(
            {"shop/templates/home.html": "<!doctype html><html><body>new</body></html>"}
        )
        assert await asyncio.to_thread(stream.next_event) == ("reload", '{"saves": 1}')
        await harness.save({"shop/static/site.css": "h1 { color: red; }"})
        assert await asyncio.to_thread(stream.next_event) == (
            "styles",
            '{"names": ["site.css"], "saves": 2}',
        )
        assert harness.supervisor.status.restarts == restarts
        assert "new" in get(harness.url + "/").body  # Flask re-read the template
    finally:
        stream.close()


async def test_a_restart_ends_the_stream_and_the_next_process_has_another_generation(
    start_app: Any,
) -> None:
    harness = await _started(start_app)
    stream = await asyncio.to_thread(Stream, harness.port)
    try:
        _, first = await asyncio.to_thread(stream.next_event)
        mark = await harness.save(
            {"shop/views.py": PROJECT["shop/views.py"].replace("first", "second")}
        )
        await harness.ready(mark)
        ended = await asyncio.to_thread(stream.response.read)  # returns at the end of the stream
        assert b"event:" not in ended
    finally:
        stream.close()
    again = await asyncio.to_thread(Stream, harness.port)
    try:
        _, second = await asyncio.to_thread(again.next_event)
        assert second != first
    finally:
        again.close()
