"""Stop on SIGTERM without dropping a request: stop accepting, finish what was accepted.

The supervisor restarts the app with SIGTERM to its group (SIGKILL after a grace period).
Connections still in the listening backlog are safe (the supervisor holds the socket and
the next app process accepts them); only connections this process already accepted would
be reset, so it finishes those first, and it accepts none after SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, Optional

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

from failsafe_flask.child.livereload_script import RESERVED
from failsafe_flask.protocol import Event, RequestEnded, RequestStarted

MAX_REPORTED = 500  # characters of a method or path sent to the supervisor
# Work that can wait for the first request (``serve_until_sigterm``'s ``later``): the
# loop looks this often whether the process is idle, and runs it by LATER_CAP anyway (an
# open page's event stream is a request that never ends).
LATER_LOOK = 0.02
LATER_CAP = 1.0


Report = Callable[[Event], None]
Idle = Callable[[], bool]


class InFlight:
    """Counts connections being served; ``wait_idle`` blocks until none is left.

    With ``report``, each request's start and end also go to the supervisor: should
    the process die serving one (``os._exit`` in a view, a crash in native code), the
    supervisor can say which.
    """

    def __init__(self, report: Optional[Report] = None) -> None:
        self._count = 0
        self._idle = threading.Condition()
        self._report = report
        self._reported: set[int] = set()  # tokens whose start went out, not their end

    def serving(self, token: int, method: str, path: str) -> None:
        if self._report is not None:
            self._reported.add(token)
            method, path = method[:MAX_REPORTED], path[:MAX_REPORTED]
            self._report(RequestStarted(pid=os.getpid(), id=token, method=method, path=path))

    def served(self, token: int) -> None:
        if self._report is not None and token in self._reported:
            self._reported.discard(token)
            self._report(RequestEnded(pid=os.getpid(), id=token))

    def begin(self) -> None:
        with self._idle:
            self._count += 1

    def end(self) -> None:
        with self._idle:
            self._count -= 1
            if self._count <= 0:
                self._idle.notify_all()

    def idle(self) -> bool:
        with self._idle:
            return self._count <= 0

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._idle:
            return self._idle.wait_for(lambda: self._count <= 0, deadline - time.monotonic())


class _TrackingHandler(WSGIRequestHandler):
    """A new connection counts from its accept, a kept-alive one only while a request is
    on it (an idle one never delays the stop)."""

    _in_flight: InFlight  # given by ``tracking_handler``
    _busy = False

    def setup(self) -> None:
        # Counted when accepted (see ``count_from_accept``), before this thread ran.
        self._busy = True
        try:
            super().setup()
        except BaseException:
            self._stop()  # finish() is not called after a failed setup
            raise

    def parse_request(self) -> bool:
        self._start()
        parsed = bool(super().parse_request())
        # An open page's event stream (live reload) is always in flight: naming it as
        # what a dying process was serving would only mislead.
        if parsed and RESERVED + "/" not in self.path:
            self._in_flight.serving(id(self), self.command, self.path)
        return parsed

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
            self._in_flight.begin()

    def _stop(self) -> None:
        if self._busy:
            self._busy = False
            self._in_flight.end()
            self._in_flight.served(id(self))


def tracking_handler(in_flight: InFlight) -> type[WSGIRequestHandler]:
    """Request handlers reporting to ``in_flight`` (see ``_TrackingHandler``)."""
    counted = in_flight

    class TrackingHandler(_TrackingHandler):
        _in_flight = counted

    return TrackingHandler


def count_from_accept(server: BaseWSGIServer, in_flight: InFlight) -> None:
    """Count each connection from the moment it is accepted, not from its handler's
    start in a thread of its own: a SIGTERM between the two would otherwise find nothing
    in flight and end the process under a response being written (a window that a
    debugger's thread set-up widens)."""
    process = server.process_request

    def counted(request: Any, client_address: Any) -> None:
        in_flight.begin()
        try:
            process(request, client_address)
        except BaseException:
            in_flight.end()  # no handler will
            raise

    server.process_request = counted  # type: ignore[method-assign]


def serve_until_sigterm(
    server: BaseWSGIServer, later: Optional[Callable[[], None]] = None, idle: Idle = lambda: True
) -> None:
    """Serve until SIGTERM (or Ctrl-C); not one connection is accepted once it arrives.

    socketserver's ``serve_forever`` sees a shutdown request only once per poll interval
    (0.5 s), and meanwhile keeps accepting on the socket the next app process already
    serves: a request sent after a save could get the old code. Here the handler only
    writes a byte on a pipe that the same ``select`` watches (a self-pipe, as hupper
    does), so the loop ends before its next accept; raising from the handler instead
    could drop a connection just accepted. The socket is non-blocking because every app
    process selects on it: the one that loses the race for a connection must go back to
    its loop, not block in ``accept`` and take the next request after it was told to stop.

    ``later`` runs once, in this thread, when nothing waits to be accepted and ``idle()``
    says nothing is being served: after the request that a save's browser sent.

    The pipe is also the signal wakeup fd: a SIGTERM that the kernel hands to a request's
    thread runs no Python handler until this thread runs bytecode, and a ``select``
    without a timeout would wait for the next connection (seen in tests).
    """
    read_end, write_end = os.pipe()
    for fd in (read_end, write_end):
        os.set_blocking(fd, False)
    stopping = threading.Event()
    _stop_on_sigterm(stopping, write_end)
    wakeup = _set_wakeup_fd(write_end)
    server.socket.setblocking(False)
    try:
        _loop(server, read_end, stopping, _Later(later, idle))
    except KeyboardInterrupt:
        pass
    finally:
        _set_wakeup_fd(wakeup)
        server.server_close()


def _stop_on_sigterm(stopping: threading.Event, write_end: int) -> None:
    def interrupt(signum: int, frame: Optional[FrameType]) -> Any:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM just ends us
        stopping.set()
        with contextlib.suppress(BlockingIOError):
            os.write(write_end, b"x")

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, interrupt)


def _set_wakeup_fd(fd: int) -> int:
    try:
        return signal.set_wakeup_fd(fd, warn_on_full_buffer=False)
    except ValueError:  # not the main thread, or Windows (a socket only there)
        return -1


def _loop(
    server: BaseWSGIServer, read_end: int, stopping: threading.Event, pending: _Later
) -> None:
    with selectors.DefaultSelector() as selector:
        selector.register(read_end, selectors.EVENT_READ)
        selector.register(server, selectors.EVENT_READ)
        while True:
            ready = {key.fileobj for key, _ in selector.select(pending.timeout())}
            if read_end in ready:
                _drain(read_end)
                if stopping.is_set():  # else another signal (its handler ran, or will)
                    return
            if server in ready:
                server._handle_request_noblock()  # type: ignore[attr-defined]
            server.service_actions()
            pending.run_if_quiet(waiting=server in ready)


def _drain(fd: int) -> None:
    with contextlib.suppress(BlockingIOError):
        while os.read(fd, 512):
            pass


class _Later:
    """Work put off until the process is first idle, or LATER_CAP has passed."""

    def __init__(self, work: Optional[Callable[[], None]], idle: Idle) -> None:
        self._work = work
        self._idle = idle
        self._cap = time.monotonic() + LATER_CAP

    def timeout(self) -> Optional[float]:
        return None if self._work is None else LATER_LOOK

    def run_if_quiet(self, waiting: bool) -> None:
        work = self._work
        if work is None:
            return
        if (not waiting and self._idle()) or time.monotonic() >= self._cap:
            self._work = None
            work()
