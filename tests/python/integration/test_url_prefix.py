"""A real app served under a URL prefix (``/absproxy/{port}``, as code-server forwards it),
through a real supervisor and app process: links, static files, redirects and the live
reload stream stay under the prefix; requests without it still work."""

from __future__ import annotations

import asyncio
import http.client
import textwrap
from typing import Any

from integration.event_stream import EVENTS, Stream
from integration.supervisor_harness import Harness, aget
from system import DEADLINE

PROJECT = {
    "app.py": textwrap.dedent(
        """
        from flask import Flask, redirect, render_template_string, url_for

        app = Flask(__name__)
        PAGE = (
            "<!doctype html><html><head>"
            "<link rel=stylesheet href='{{ url_for('static', filename='site.css') }}'>"
            "</head><body><a id=about href='{{ url_for('about') }}'>about</a></body></html>"
        )


        @app.route("/")
        def home():
            return render_template_string(PAGE)


        @app.route("/about")
        def about():
            return "about page"


        @app.route("/go")
        def go():
            return redirect(url_for("about"))
        """
    ).lstrip(),
    "static/site.css": "body { color: rgb(0, 128, 0); }\n",
}


async def _started(start_app: Any) -> Harness:
    harness: Harness = await start_app(PROJECT, url_prefix="/absproxy/{port}")
    await harness.ready()
    return harness


def _location(port: int, path: str) -> str:
    """The redirect's Location, not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.getheader("Location") or ""
    finally:
        conn.close()


async def test_links_static_files_and_redirects_stay_under_the_prefix(start_app: Any) -> None:
    harness = await _started(start_app)
    prefix = f"/absproxy/{harness.port}"
    page = await aget(f"{harness.url}{prefix}/")
    assert page.status == 200
    assert f"href='{prefix}/about'" in page.body
    assert f"href='{prefix}/static/site.css'" in page.body
    assert f"{prefix}{EVENTS}" in page.body  # the live reload script's stream too
    assert "rgb(0, 128, 0)" in (await aget(f"{harness.url}{prefix}/static/site.css")).body
    assert (await aget(f"{harness.url}{prefix}/about")).body == "about page"
    assert await asyncio.to_thread(_location, harness.port, f"{prefix}/go") == f"{prefix}/about"


async def test_requests_without_the_prefix_still_work(start_app: Any) -> None:
    harness = await _started(start_app)
    page = await aget(harness.url + "/")
    assert page.status == 200 and "href='/about'" in page.body
    assert (await aget(harness.url + "/about")).body == "about page"


async def test_live_reload_events_arrive_under_the_prefix(start_app: Any) -> None:
    harness = await _started(start_app)
    stream = await asyncio.to_thread(Stream, harness.port, f"/absproxy/{harness.port}{EVENTS}")
    try:
        # no-transform: a compressing proxy (code-server's) would otherwise hold events back
        assert "no-transform" in (stream.response.getheader("Cache-Control") or "")
        name, _ = await asyncio.to_thread(stream.next_event)
        assert name == "hello"
        await harness.save({"static/site.css": "body { color: red; }\n"})
        assert await asyncio.to_thread(stream.next_event) == (
            "styles",
            '{"names": ["site.css"], "saves": 1}',
        )
    finally:
        stream.close()
