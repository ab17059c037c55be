"""The event pipe's reader, on a real pipe: nothing written on it stops the reading."""

from __future__ import annotations

import asyncio
import os

from failsafe_flask.protocol import Loading, Ready, encode
from failsafe_flask.supervisor.process import Hooks, read_events
from system import DEADLINE


async def test_garbage_and_a_failing_handler_are_said_and_reading_goes_on() -> None:
    read_end, write_end = os.pipe()
    seen: list[object] = []
    notes: list[str] = []

    def on_event(event: object) -> None:
        seen.append(event)
        if isinstance(event, Loading):
            raise ValueError("Position.line should be in range [0:2147483647], but was -5.")

    hooks = Hooks(lambda stream, line: None, on_event, notes.append)
    reader = asyncio.create_task(read_events(read_end, hooks))
    ready = Ready(pid=1, url="http://127.0.0.1:5000/", files=[], packages=[])
    lines = [b"{oops\n", encode(Loading(pid=1, app="")), b'{"event":"ready"}\n', encode(ready)]
    for line in lines:
        os.write(write_end, line)
    os.close(write_end)
    await asyncio.wait_for(reader, DEADLINE)  # EOF ends it, and nothing else did
    assert seen == [Loading(pid=1, app=""), ready]
    assert notes == [
        ' * Ignored a malformed message from the app process: not JSON: "{oops"',
        " * Could not handle a loading message from the app process: ValueError:"
        " Position.line should be in range [0:2147483647], but was -5.",
        " * Ignored a malformed message from the app process: ready: no 'pid':"
        ' "{\\"event\\":\\"ready\\"}"',
    ]
