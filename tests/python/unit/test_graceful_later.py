"""Work put off until the first request is served (the Imports event): it waits while a
request is in flight, runs once the process is idle, and runs anyway by LATER_CAP when
a request never ends (an open page's event stream)."""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from failsafe_flask.child import graceful
from system import DEADLINE


class View:
    """A WSGI app whose one request waits until the test releases it."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        self.started.set()
        self.release.wait(DEADLINE)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]


@pytest.fixture
def sigterm() -> Iterator[None]:
    """serve_until_sigterm takes SIGTERM over (the loop's end); it is given back."""
    old = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, old)


def serve(view: View, later: Callable[[], None], client: Callable[[Any], None]) -> None:
    """Serve in this (the main) thread, ``client`` in another; it ends the loop."""
    in_flight = graceful.InFlight()
    handler = graceful.tracking_handler(in_flight)
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, view, threaded=True, request_handler=handler
    )
    graceful.count_from_accept(server, in_flight)
    conn = socket.create_connection(server.server_address, timeout=DEADLINE)
    conn.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")  # waits in the backlog

    def run() -> None:
        try:
            client(conn)
        finally:
            view.release.set()
            conn.close()
            os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=run)
    thread.start()
    graceful.serve_until_sigterm(server, later, in_flight.idle)
    thread.join(DEADLINE)


def test_it_runs_once_the_first_request_is_served(sigterm: None) -> None:
    view, ran, served = View(), threading.Event(), threading.Event()
    order: list[str] = []

    def later() -> None:
        order.append("later" if served.is_set() else "later before the response")
        ran.set()

    def client(conn: socket.socket) -> None:
        assert view.started.wait(DEADLINE)
        # The loop looks every LATER_LOOK: a few looks while the request is in flight.
        assert not ran.wait(graceful.LATER_LOOK * 5)
        view.release.set()
        assert conn.makefile("rb").read().endswith(b"\r\n\r\nok")
        served.set()
        assert ran.wait(DEADLINE)

    serve(view, later, client)
    assert order == ["later"]


def test_a_request_that_never_ends_does_not_hold_it_past_the_cap(
    sigterm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graceful, "LATER_CAP", 0.2)
    view, ran = View(), threading.Event()

    def client(conn: socket.socket) -> None:
        assert view.started.wait(DEADLINE)
        assert ran.wait(DEADLINE)  # the request is still in flight
        assert not view.release.is_set()

    serve(view, ran.set, client)
    assert ran.is_set()
