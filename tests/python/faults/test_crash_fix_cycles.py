"""A stream of requests across crash -> 503 page -> fix -> new code, several times over:
not one request fails, is reset or hangs, and once the fix is served none gets a 503."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from failsafe_flask.supervisor.events import AppExited
from faults.answer_client import Answer, request
from integration.supervisor_harness import Harness
from system import DEADLINE, until

APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version %d"
"""
CRASH = "import os\nos._exit(3)\n"
CYCLES = 3


@dataclass
class Sent:
    started: float
    answer: Answer


class Stream:
    """Requests one after another from a thread until stopped."""

    def __init__(self, port: int) -> None:
        self.sent: list[Sent] = []
        self._port = port
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Stream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(DEADLINE)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.sent.append(Sent(started, request(self._port)))
            self._stop.wait(0.01)

    def since(self, moment: float) -> list[Answer]:
        return [s.answer for s in list(self.sent) if s.started >= moment]


async def _crash_then_fix(app: Harness, stream: Stream, version: int) -> None:
    mark = await app.save({"app.py": CRASH})
    await app.wait(lambda e: isinstance(e, AppExited), mark)
    down = time.monotonic()
    await until(lambda: any(a.from_supervisor for a in stream.since(down)), "the 503")
    mark = await app.save({"app.py": APP % version})
    await app.ready(mark)
    up = time.monotonic()
    await until(lambda: len(stream.since(up)) >= 3, "requests after the fix")
    served = {(a.status, a.body) for a in stream.since(up)}
    assert served == {(200, f"version {version}")}  # never the 503 once it is back


async def test_requests_across_crash_and_fix_cycles_all_get_the_right_answer(
    start_app: Callable[..., Any],
) -> None:
    app: Harness = await start_app({"app.py": APP % 0})
    await app.ready()
    with Stream(app.port) as stream:
        for version in range(1, CYCLES + 1):
            await _crash_then_fix(app, stream, version)
    answers = [s.answer for s in stream.sent]
    wrong = [a for a in answers if a.status != 200 and not a.from_supervisor]
    assert not wrong  # no reset, no timeout, no other page
    assert sum(a.from_supervisor for a in answers) >= CYCLES
