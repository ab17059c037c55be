"""Stop on SIGTERM without dropping a request: stop accepting, finish what was accepted.

The supervisor restarts the app with SIGTERM to its group (SIGKILL after a grace period).
Connections still in the listening backlog are safe (the supervisor holds the socket and
the next app process accepts them); only connections this process already accepted would
be reset, so it finishes those first.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from types import FrameType
from typing import Any, Optional

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler


class InFlight:
    """Counts requests being served; ``wait_idle`` blocks until none is left."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def begin(self) -> None:
        with self._idle:
            self._count += 1

    def end(self) -> None:
        with self._idle:
            self._count -= 1
            if self._count <= 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._idle:
            return self._idle.wait_for(lambda: self._count <= 0, deadline - time.monotonic())


def tracking_handler(in_flight: InFlight) -> type[WSGIRequestHandler]:
    """A request handler class that reports its requests to ``in_flight``.

    A new connection counts from the start: its client connected to send a request. A
    kept-alive connection counts only while a request is on it, so a browser's idle
    connection never delays the stop.
    """

    class TrackingHandler(WSGIRequestHandler):
        _busy = False

        def setup(self) -> None:
            super().setup()
            self._start()

        def parse_request(self) -> bool:
            self._start()
            return bool(super().parse_request())

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            finally:
                self._stop()

        def finish(self) -> None:
            self._stop()
            super().finish()

        def _start(self) -> None:
            if not self._busy:
                self._busy = True
                in_flight.begin()

        def _stop(self) -> None:
            if self._busy:
                self._busy = False
                in_flight.end()

    return TrackingHandler


def stop_server_on_sigterm(server: BaseWSGIServer) -> None:
    """SIGTERM makes ``server.serve_forever`` return between two accepts.

    ``shutdown`` must run outside the serving thread, and a signal handler may interrupt
    that thread anywhere (even inside ``Thread.start``), so the handler only writes a
    byte on a pipe and a waiting thread does the rest (a self-pipe, as hupper does).
    Raising KeyboardInterrupt instead could drop a connection just accepted.
    """
    read_end, write_end = os.pipe()

    def interrupt(signum: int, frame: Optional[FrameType]) -> Any:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM just ends us
        os.write(write_end, b"x")

    def wait_then_shutdown() -> None:
        os.read(read_end, 1)
        server.shutdown()

    threading.Thread(target=wait_then_shutdown, name="failsafe-flask-stop", daemon=True).start()
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, interrupt)
