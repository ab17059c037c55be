"""An open live-reload event stream, read one event at a time (over plain HTTP)."""

from __future__ import annotations

import http.client

from system import DEADLINE

EVENTS = "/__failsafe-flask__/events"


class Stream:
    """An open event stream: ``next_event()`` gives (name, data) of the next event."""

    def __init__(self, port: int, path: str = EVENTS) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
        self._conn.request("GET", path)
        self.response = self._conn.getresponse()

    def next_event(self) -> tuple[str, str]:
        name, data = "message", ""
        while True:
            line = self.response.readline().decode()
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if not line:
                if data:
                    return name, data
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data = value

    def close(self) -> None:
        self._conn.close()
