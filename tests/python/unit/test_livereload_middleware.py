"""The live-reload middleware around plain WSGI apps (Werkzeug's test client): what it
passes untouched, what it rewrites, and that the app's iterable is always closed."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any, Optional

from werkzeug.test import Client
from werkzeug.wsgi import wrap_file

from failsafe_flask.child.livereload import Hub, LiveReload
from failsafe_flask.protocol import ReloadPage

PAGE = b"<!doctype html><html><body><p>hi</p></body></html>"
closed: list[str] = []


class Body:
    """A response body that notes when the server closes it, as WSGI requires."""

    def __init__(self, chunks: list[bytes], name: str) -> None:
        self._chunks, self._name = chunks, name

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        closed.append(self._name)


def _client(app: Any, hub: Optional[Hub] = None) -> Client:
    return Client(LiveReload(app, hub or Hub(), "g1"))


def test_a_streamed_page_passes_untouched_and_is_closed() -> None:
    def app(environ: Any, start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html")])
        return Body([PAGE[:10], PAGE[10:]], "streamed")

    response = _client(app).get("/")
    assert response.data == PAGE and "streamed" in closed


def test_a_legacy_write_response_passes_untouched() -> None:
    def app(environ: Any, start_response: Any) -> Iterable[bytes]:
        write = start_response(
            "200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(PAGE)))]
        )
        write(PAGE)
        return []

    assert _client(app).get("/").data == PAGE


def test_a_page_sent_whole_from_a_generator_is_rewritten_and_closed() -> None:
    # As Werkzeug's debugger answers: start_response runs only once the generator does.
    def app(environ: Any, start_response: Any) -> Iterator[bytes]:
        start_response(
            "500 INTERNAL SERVER ERROR",
            [("Content-Type", "text/html"), ("Content-Length", str(len(PAGE)))],
        )
        yield PAGE

    response = _client(app).get("/")
    assert b"__failsafe-flask__/events" in response.data and response.status_code == 500
    assert response.headers["Content-Length"] == str(len(response.data))


def test_a_file_is_left_alone() -> None:
    def app(environ: Any, start_response: Any) -> Iterable[bytes]:
        start_response(
            "200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(PAGE)))]
        )
        return wrap_file(environ, io.BytesIO(PAGE))  # as send_file does

    assert _client(app).get("/").data == PAGE


def test_the_reserved_path_never_reaches_the_app() -> None:
    def app(environ: Any, start_response: Any) -> Iterable[bytes]:
        raise AssertionError("reached the app")

    assert _client(app).get("/__failsafe-flask__/other").status_code == 404


def test_the_stream_says_hello_then_ends_when_the_process_stops() -> None:
    hub = Hub()
    client = Client(LiveReload(lambda e, s: [], hub, "g1"))
    hub.close()
    response = client.get("/__failsafe-flask__/events")
    assert response.mimetype == "text/event-stream"
    hello = b'retry: 50\nevent: hello\ndata: {"generation": "g1", "saves": 0}\n\n'
    assert response.get_data() == hello


def test_a_save_told_while_a_page_loaded_reloads_it_once_its_stream_opens() -> None:
    # The page is served, a template save is told before the page's stream is open (no
    # stream gets the event): hello then says another count than the page's, and the
    # page's script reloads it.
    hub = Hub()
    page = b"<!doctype html><html><body>page</body></html>"
    headers = [("Content-Type", "text/html"), ("Content-Length", str(len(page)))]
    client = _client(lambda e, s: (s("200 OK", headers), [page])[1], hub)
    assert "saves = 0;" in client.get("/").get_data(as_text=True)
    hub.publish(ReloadPage(reason="home.html changed"))
    hub.close()
    hello = client.get("/__failsafe-flask__/events").get_data(as_text=True)
    assert '"saves": 1' in hello
    assert "saves = 1;" in client.get("/").get_data(as_text=True)
