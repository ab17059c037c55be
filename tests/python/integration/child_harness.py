"""Run ``python -m failsafe_flask.child`` the way the supervisor does, with deadlines.

The harness binds the socket, makes the event pipe and the lifeline, and spawns the app
process as the leader of its own group. Every wait has a deadline; nothing sleeps to hope.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, Optional

import failsafe_flask
from system import is_alive, wait_until  # noqa: F401 - the child tests import them from here

SERVER_DIR = str(Path(failsafe_flask.__file__).resolve().parent.parent)
DEADLINE = 20.0  # seconds; generous for a loaded CI machine, never reached when all is well


@dataclass
class HttpAnswer:
    status: int
    headers: Message
    body: str


@dataclass
class Child:
    proc: subprocess.Popen[bytes]
    port: int
    stderr_path: Path
    events_fd: int
    lifeline_fd: Optional[int]
    sock: socket.socket
    _buffer: bytes = b""
    events: list[dict[str, Any]] = field(default_factory=list)

    def next_event(self, timeout: float = DEADLINE) -> dict[str, Any]:
        """The next event line, or AssertionError when none comes before the deadline."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            readable, _, _ = select.select([self.events_fd], [], [], max(left, 0))
            if not readable:
                raise AssertionError(f"no event within {timeout}s; stderr:\n{self.stderr()}")
            chunk = os.read(self.events_fd, 65536)
            if not chunk:
                raise AssertionError(f"event pipe closed; stderr:\n{self.stderr()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        event: dict[str, Any] = json.loads(line)
        self.events.append(event)
        return event

    def expect(self, *names: str) -> list[dict[str, Any]]:
        """The next events, checked to be exactly ``names`` in order."""
        got = [self.next_event() for _ in names]
        assert [event["event"] for event in got] == list(names), got
        return got

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait_stderr(self, text: str, timeout: float = DEADLINE) -> str:
        deadline = time.monotonic() + timeout
        while text not in (output := self.stderr()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on stderr within {timeout}s:\n{output}")
            time.sleep(0.05)  # polling a file we own; the deadline bounds it
        return output

    def get(self, path: str = "/", headers: Optional[dict[str, str]] = None) -> HttpAnswer:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=DEADLINE) as response:
                return HttpAnswer(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                return HttpAnswer(error.code, error.headers, error.read().decode())

    def close_lifeline(self) -> None:
        if self.lifeline_fd is not None:
            os.close(self.lifeline_fd)
            self.lifeline_fd = None

    def kill(self) -> None:
        """Kill the whole group and release everything; safe to call twice."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group: grandchildren too
        self.proc.wait(timeout=DEADLINE)
        self.close_lifeline()
        if self.events_fd >= 0:
            os.close(self.events_fd)
            self.events_fd = -1
        self.sock.close()


def spawn_child(project: Path, args: list[str], debug: bool = True) -> Child:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    events_r, events_w = os.pipe()
    lifeline_r, lifeline_w = os.pipe()
    env = _child_env(project, sock.fileno(), events_w, lifeline_r, debug)
    stderr_path = project.parent / f"{project.name}-child-stderr.txt"
    argv = [sys.executable, "-m", "failsafe_flask.child", *args]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--debug" if debug else "--no-debug"]
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            argv,
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            pass_fds=(sock.fileno(), events_w, lifeline_r),
            start_new_session=True,
        )
    # Only the child holds these ends now: its death closes the event pipe, ours the lifeline.
    os.close(events_w)
    os.close(lifeline_r)
    return Child(proc, port, stderr_path, events_r, lifeline_w, sock)


def _child_env(
    project: Path, sock_fd: int, event_fd: int, lifeline_fd: int, debug: bool
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "WERKZEUG_"))}
    env.update(
        PYTHONPATH=SERVER_DIR,
        PYTHONUNBUFFERED="1",
        WERKZEUG_SERVER_FD=str(sock_fd),
        WERKZEUG_RUN_MAIN="true",
        FLASK_RUN_FROM_CLI="true",
        FAILSAFE_FLASK_EVENT_FD=str(event_fd),
        FAILSAFE_FLASK_LIFELINE_FD=str(lifeline_fd),
        FAILSAFE_FLASK_PROJECT_ROOT=str(project),
    )
    if debug:
        env["FLASK_DEBUG"] = "1"
    return env
