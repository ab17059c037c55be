"""A reader that stops reading freezes nothing (issue 12 item 4): with stdout a pipe nobody
reads, an app that prints about 1 MB in a request still answers it, the lines that do
not fit are dropped with one ``[N lines dropped]`` note, and a signal ends everything.
Real servers (``failsafe-flask run`` and ``lsp``), a real app, real pipes.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from faults.answer_client import request
from integration.supervisor_harness import free_port, write
from system import DEADLINE, descendants, is_alive, listening_inodes, wait_until

LOUD = """from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "hello"


@app.route("/loud")
def loud():
    for n in range(20000):
        print(f"line {n} " + "x" * 50)  # about 1.2 MB in all
    return "done"
"""

# A bound, not a speed claim: the promise is a second; a loaded 2-core machine gets more.
STOP_DEADLINE = 10.0


def _popen(root: Path, *args: str) -> subprocess.Popen[bytes]:
    """failsafe-flask with its stdout a pipe that this test does not read."""
    return subprocess.Popen(
        [sys.executable, "-m", "failsafe_flask", *args],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=(root / "stderr.log").open("wb"),
        start_new_session=True,
    )


@contextlib.contextmanager
def _killed_at_end(proc: subprocess.Popen[bytes]) -> Iterator[None]:
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(DEADLINE)


def _loud_requests_complete(port: int) -> None:
    wait_until(lambda: request(port).status == 200, "the app serves")
    for _ in range(2):  # the first fills the pipe; the second is printed into a full one
        answer = request(port, "/loud")
        assert (answer.status, answer.body) == (200, "done"), answer.failure
    assert request(port).status == 200


def _read_until(proc: subprocess.Popen[bytes], marker: bytes) -> bytes:
    """Read the pipe (at last) until ``marker`` appears; stop reading after it."""
    assert proc.stdout is not None
    fd, seen = proc.stdout.fileno(), b""
    deadline = time.monotonic() + DEADLINE
    while marker not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise AssertionError(f"no {marker!r} within {DEADLINE}s; the end: {seen[-300:]!r}")
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            raise AssertionError(f"the pipe closed before {marker!r}")
        seen += chunk
    return seen


def _stops_and_leaves_nothing(proc: subprocess.Popen[bytes], port: int, sig: int) -> None:
    family = descendants(proc.pid)
    assert family  # the app process (and the preloader) run under it
    os.kill(proc.pid, sig)
    proc.wait(STOP_DEADLINE)
    try:
        wait_until(
            lambda: not any(is_alive(pid) for pid in family) and not listening_inodes(port),
            "every process gone and the port closed",
            STOP_DEADLINE,
        )
    except AssertionError as exc:
        left = {pid: _command(pid) for pid in family if is_alive(pid)}
        raise AssertionError(f"{exc}; left: {left}, listening: {listening_inodes(port)}") from None


def _command(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return "?"


def _dropped_note(seen: bytes) -> int:
    text = seen.decode("utf-8", "replace")
    count = text.split(" lines dropped]")[0].rsplit("[", 1)[1]
    assert count.isdigit() and int(count) > 0, text[-300:]
    return int(count)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_run_whose_output_is_not_read_serves_and_stops(tmp_path: Path, sig: int) -> None:
    write(tmp_path, {"app.py": LOUD})
    port = free_port()
    proc = _popen(tmp_path, "run", "--port", str(port))
    with _killed_at_end(proc):
        _loud_requests_complete(port)
        assert _dropped_note(_read_until(proc, b" lines dropped]")) < 40000
        _loud_requests_complete(port)  # the pipe full again
        _stops_and_leaves_nothing(proc, port, sig)


def _frame(message: dict[str, object]) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_lsp_client_that_does_not_read_freezes_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": LOUD})
    port = free_port()
    proc = _popen(tmp_path, "lsp")
    with _killed_at_end(proc):
        assert proc.stdin is not None
        init = {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}
        start = {"command": "failsafe-flask.start", "arguments": [{"port": port}]}
        proc.stdin.write(
            _frame({"id": 1, "method": "initialize", "params": init})
            + _frame({"method": "initialized", "params": {}})
            + _frame({"id": 2, "method": "workspace/executeCommand", "params": start})
        )
        proc.stdin.flush()
        _loud_requests_complete(port)
        _dropped_note(_read_until(proc, b" lines dropped]"))
        _loud_requests_complete(port)
        _stops_and_leaves_nothing(proc, port, signal.SIGTERM)
