"""A connection counts as in flight from its accept: a SIGTERM that comes before its
handler thread has started must still wait for its response."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from failsafe_flask.child import graceful
from system import DEADLINE


def app(environ: object, start_response: object) -> list[bytes]:
    start_response("200 OK", [("Content-Length", "2")])  # type: ignore[operator]
    return [b"ok"]


@pytest.fixture
def held() -> Iterator[threading.Event]:
    """Handler threads wait on this before their set-up, as a slow thread start does."""
    go = threading.Event()
    yield go
    go.set()


def test_an_accepted_connection_is_in_flight_before_its_handler_runs(
    held: threading.Event,
) -> None:
    in_flight = graceful.InFlight()
    handler = graceful.tracking_handler(in_flight)

    class Slow(handler):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            held.wait(DEADLINE)
            super().setup()

    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Slow)
    graceful.count_from_accept(server, in_flight)
    with server, socket.create_connection(server.server_address, timeout=DEADLINE) as client:
        client.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        server.handle_request()  # accepts; the handler thread waits on `held`
        assert not in_flight.wait_idle(0)  # what SIGTERM's drain sees
        held.set()
        assert in_flight.wait_idle(DEADLINE)
        assert client.makefile("rb").read().endswith(b"\r\n\r\nok")
