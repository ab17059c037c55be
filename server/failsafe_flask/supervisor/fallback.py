"""The supervisor answers on the shared listening socket while no app process can.

A reader on the socket in the supervisor's own event loop, not a server object: a
server would own the socket and close it on its way out, and this socket must outlive
every app process. ``pause()`` stops accepting before the next app process is launched,
so the requests still in the backlog wait for it instead of getting the 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Optional

from .fallback_page import Outage, head_complete, http_response

HEAD_TIMEOUT = 5.0  # a client that sends no request in this long is dropped unanswered
DRAIN_TIMEOUT = 1.0  # after the answer: read what the client still sends, then close
DRAIN_LIMIT = 1024 * 1024
ACCEPTS_PER_WAKE = 64  # then let the loop breathe; the reader fires again if more wait


class Fallback:
    def __init__(self) -> None:
        self._sock: Optional[socket.socket] = None
        self._outage = Outage("The app is not running.")
        self._answers: set[asyncio.Task[None]] = set()

    @property
    def answering(self) -> bool:
        return self._sock is not None

    @property
    def outage(self) -> Outage:
        return self._outage

    def answer(self, sock: socket.socket, outage: Outage) -> None:
        """Answer every request on ``sock`` with ``outage`` until ``pause()``."""
        self._outage = outage
        if self._sock is sock:
            return
        self.pause()
        # The flag lives on the socket shared with every app process; they all select
        # before accepting and set it themselves (child/graceful.py), so this changes
        # nothing for them.
        sock.setblocking(False)
        try:
            asyncio.get_running_loop().add_reader(sock.fileno(), self._accept)
        except NotImplementedError:  # Windows' proactor loop: requests wait, as before
            return
        self._sock = sock

    def pause(self) -> None:
        """Stop accepting; answers already under way are finished."""
        sock, self._sock = self._sock, None
        if sock is not None:
            asyncio.get_running_loop().remove_reader(sock.fileno())

    async def close(self) -> None:
        """Stop accepting and end the answers under way (the socket is about to close)."""
        self.pause()
        for task in list(self._answers):
            task.cancel()
        await asyncio.gather(*self._answers, return_exceptions=True)

    def _accept(self) -> None:
        for _ in range(ACCEPTS_PER_WAKE):
            if self._sock is None:
                return
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return  # another process took it, or the backlog is empty
            except OSError:
                return  # out of descriptors, say: the backlog keeps it for later
            conn.setblocking(False)
            task = asyncio.get_running_loop().create_task(_answer(conn, self._outage))
            self._answers.add(task)
            task.add_done_callback(self._answers.discard)


async def _answer(conn: socket.socket, outage: Outage) -> None:
    loop = asyncio.get_running_loop()
    with conn:
        try:
            head = await _read_head(loop, conn)
            if not head:
                return  # a connection opened in advance (browsers do), never used
            await loop.sock_sendall(conn, http_response(outage, head))
            conn.shutdown(socket.SHUT_WR)
            # Closing with unread bytes (a request body) would reset the connection
            # and could destroy the answer before the client reads it.
            await asyncio.wait_for(_drain(loop, conn), DRAIN_TIMEOUT)
        except (OSError, asyncio.TimeoutError):
            pass


async def _read_head(loop: asyncio.AbstractEventLoop, conn: socket.socket) -> bytes:
    received = b""
    with contextlib.suppress(asyncio.TimeoutError):
        deadline = loop.time() + HEAD_TIMEOUT
        while not head_complete(received):
            chunk = await asyncio.wait_for(
                loop.sock_recv(conn, 4096), max(0.0, deadline - loop.time())
            )
            if not chunk:
                break
            received += chunk
    return received


async def _drain(loop: asyncio.AbstractEventLoop, conn: socket.socket) -> None:
    drained = 0
    while drained < DRAIN_LIMIT:
        chunk = await loop.sock_recv(conn, 65536)
        if not chunk:
            return
        drained += len(chunk)
