"""HTTP requests for the "every request gets an answer" tests: a real client, a deadline,
and what came back (or how the connection failed), never an exception to swallow."""

from __future__ import annotations

import asyncio
import http.client
from dataclasses import dataclass, field

ANSWER_DEADLINE = 20.0  # a hang fails the test here instead of at pytest's timeout
DOWN_MARKER = "app-down"  # the X-Failsafe-Flask value of the supervisor's own 503 page


@dataclass
class Answer:
    status: int = 0  # 0: no HTTP answer at all (see failure)
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    failure: str = ""  # "ConnectionResetError", "timeout", ...

    @property
    def from_supervisor(self) -> bool:
        return self.status == 503 and self.headers.get("X-Failsafe-Flask") == DOWN_MARKER


def request(
    port: int, path: str = "/", method: str = "GET", headers: dict[str, str] | None = None
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_DEADLINE)
    try:
        conn.request(method, path, headers=headers or {})
        reply = conn.getresponse()
        body = reply.read().decode("utf-8", "replace")
        return Answer(reply.status, body, dict(reply.getheaders()))
    except TimeoutError:
        return Answer(failure="timeout")
    except (OSError, http.client.HTTPException) as exc:
        return Answer(failure=type(exc).__name__)
    finally:
        conn.close()


async def arequest(port: int, path: str = "/", **options: object) -> Answer:
    return await asyncio.to_thread(request, port, path, **options)  # type: ignore[arg-type]
