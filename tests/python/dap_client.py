"""A small Debug Adapter Protocol client for tests: what an editor's debugger sends.

One socket to debugpy's adapter, a reader thread that keeps every message it receives,
and waits with deadlines on a response or an event.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from system import DEADLINE

Message = dict[str, Any]


class DapError(AssertionError):
    pass


class DapClient:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._seq = 0
        self.messages: list[Message] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, name="dap-reader", daemon=True)
        self._reader.start()

    @classmethod
    def connect(cls, host: str, port: int) -> DapClient:
        return cls(socket.create_connection((host, port), timeout=DEADLINE))

    def close(self) -> None:
        """Let go as an editor does: the adapter sees EOF (close() alone would wait for
        the reader's file object) and, with no client and no app process left, exits."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._reader.join(DEADLINE)

    def send(self, command: str, **arguments: Any) -> int:
        self._seq += 1
        body = json.dumps(
            {"seq": self._seq, "type": "request", "command": command, "arguments": arguments}
        ).encode()
        self._sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self._seq

    def request(self, command: str, **arguments: Any) -> Any:
        """Send and wait for the response; its ``body``."""
        seq = self.send(command, **arguments)
        return self.response(seq, command)

    def response(self, seq: int, command: str) -> Any:
        reply = self.wait(lambda m: m["type"] == "response" and m["request_seq"] == seq, command)
        if not reply["success"]:
            raise DapError(f"{command} failed: {reply.get('message')}")
        return reply.get("body", {})

    def event(self, name: str, after: int = 0) -> Message:
        return self.wait(lambda m: m["type"] == "event" and m["event"] == name, name, after)

    def mark(self) -> int:
        with self._changed:
            return len(self.messages)

    def wait(self, match: Callable[[Message], bool], what: str, after: int = 0) -> Message:
        deadline = time.monotonic() + DEADLINE
        with self._changed:
            while True:
                for message in self.messages[after:]:
                    if match(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0 or not self._reader.is_alive():
                    seen = [m.get("event") or m.get("command") for m in self.messages[after:]]
                    raise DapError(f"no {what} within {DEADLINE}s; saw {seen}")
                self._changed.wait(min(left, 0.5))

    def _read(self) -> None:
        stream = self._sock.makefile("rb")
        try:
            while True:
                length = _content_length(stream)
                if length is None:
                    return
                message = json.loads(stream.read(length))
                with self._changed:
                    self.messages.append(message)
                    self._changed.notify_all()
        except OSError:
            return  # closed by close()
        finally:
            with self._changed:
                self._changed.notify_all()


def _content_length(stream: Any) -> int | None:
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            return length
        name, _, value = line.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)


@dataclass
class Breakpoints:
    """What an editor sends on every attach: line breakpoints per file (DAP
    ``SourceBreakpoint`` objects: line, and condition or logMessage) and the exception
    filters (``raised``, ``uncaught``, ``userUnhandled``)."""

    lines: dict[str, list[Message]] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)


def attach(
    address: tuple[str, int], points: Breakpoints, deadline: float = DEADLINE, **options: Any
) -> DapClient:
    """Attach as an editor does: initialize, attach, the breakpoints, configurationDone.

    Connection refused is retried until ``deadline`` seconds: a new app process binds the
    debug port early in its start, but not at once. ``options`` go into ``attach`` (for
    example ``jinja=True``). Every breakpoint in a Python file must be verified."""
    client = DapClient(_connect(address, deadline))
    try:
        client.request("initialize", adapterID="failsafe-flask", pathFormat="path")
        started = client.send("attach", justMyCode=True, **options)
        client.event("initialized")
        for path, breakpoints in points.lines.items():
            reply = client.request("setBreakpoints", source={"path": path}, breakpoints=breakpoints)
            # A template's breakpoints are verified when it is first rendered, later.
            verified = [b["verified"] or not path.endswith(".py") for b in reply["breakpoints"]]
            assert verified == [True] * len(breakpoints), f"{path}: {reply['breakpoints']}"
        client.request("setExceptionBreakpoints", filters=points.exceptions)
        client.request("configurationDone")
        client.response(started, "attach")
    except BaseException:
        client.close()
        raise
    return client


def reattach(
    client: DapClient, address: tuple[str, int], points: Breakpoints, **options: Any
) -> DapClient:
    """Follow the app to its next process, as the editor integrations in the README do:
    the retiring process says ``terminated`` when it ends; let go, attach again with the
    same breakpoints."""
    client.event("terminated")
    client.close()
    return attach(address, points, **options)


def _connect(address: tuple[str, int], deadline: float) -> socket.socket:
    end = time.monotonic() + deadline
    while True:
        try:
            return socket.create_connection(address, timeout=DEADLINE)
        except ConnectionRefusedError:
            if time.monotonic() >= end:
                raise
            time.sleep(0.02)  # nothing to wait on but the port; the deadline bounds it
