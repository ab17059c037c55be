"""HTTP probes and deadline-bound waits.

Polling is the measurement here, so it is tight (3 ms) but every wait has a deadline: a
peer that never gets there is reported as missing it, the benchmark goes on.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

from background import Background

POLL = 0.003
ERROR_HEADER = "X-Failsafe-Flask"
ERROR_VALUE = "load-error"
DOWN_VALUE = "app-down"  # the supervisor's own 503 page while no app process answers


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    body: str = ""
    error_page: bool = False  # our load-error page
    down_page: bool = False  # our "the app is not running" page
    timed_out: bool = False  # no answer within the timeout: a request left hanging


def get(port: int, timeout: float = 5.0) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        marker = response.getheader(ERROR_HEADER)
        return Reply(response.status, body, marker == ERROR_VALUE, marker == DOWN_VALUE)
    except TimeoutError:
        return Reply(0, timed_out=True)
    except (OSError, http.client.HTTPException):
        return Reply(0)
    finally:
        conn.close()


def wait_for(
    check: Callable[[Reply], bool],
    port: int,
    deadline: float,
    give_up: Callable[[], bool] = lambda: False,
) -> Optional[float]:
    """Seconds until a GET satisfies ``check``; None past the deadline or once ``give_up``."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        if check(get(port, timeout=min(5.0, deadline))):
            return time.monotonic() - start
        if give_up():
            return None
        time.sleep(POLL)
    return None


def serving(marker: str) -> Callable[[Reply], bool]:
    return lambda reply: reply.status == 200 and marker in reply.body


def answers(port: int) -> bool:
    return get(port, timeout=2.0).status != 0


class RequestStream(Background):
    """A thread issuing GETs in a loop; counts the ones refused or failed."""

    def __init__(self, port: int, interval: float = 0.005, timeout: float = 10.0) -> None:
        self.total = 0
        self.failed = 0
        self.unanswered = 0  # no answer at all within ``timeout``
        self.answered_down = 0  # our 503 page while the app was down
        self.slowest = 0.0  # seconds: a request held in the backlog during a restart
        self._port = port
        self._interval = interval
        self._timeout = timeout
        super().__init__()

    def _run(self) -> None:
        while not self._stop.is_set():
            start = time.monotonic()
            reply = get(self._port, timeout=self._timeout)
            self.slowest = max(self.slowest, time.monotonic() - start)
            self.total += 1
            self.failed += reply.status != 200
            self.unanswered += reply.timed_out
            self.answered_down += reply.down_page
            self._stop.wait(self._interval)
