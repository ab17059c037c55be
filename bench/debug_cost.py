"""The cost of debugging: save -> served in debug mode (debugpy in each app process)
against run mode, with the preloader (fork, debugpy preloaded, listen() in the fork) and
without, and save -> breakpoints armed in the new app process.

    .venv/bin/python bench/debug_cost.py [--saves N]

A real Supervisor in this process serves a small project from a temp folder; each save
rewrites a view and waits until the new app process serves it. Three modes: run (no
debugger); debug with no client attached; debug with a DAP client that follows the app
as the README's editor set-ups do (on ``terminated``, attach again to the same port with
its breakpoints). "Armed" is when that client's attach is answered in the new process:
its breakpoints are set and the next request that reaches one stops there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Optional

from failsafe_flask.config import AppConfig
from failsafe_flask.supervisor.core import Supervisor
from failsafe_flask.supervisor.events import AppReady, SupervisorEvent

# The tests' DAP client: one client for the tests and the bench.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "python"))
from dap_client import Breakpoints, DapClient, attach

VIEW = 'from flask import Flask\napp = Flask(__name__)\n\n@app.route("/")\ndef index():\n'
# A breakpoint the measured requests never reach: armed, never stopping them.
OTHER = '\n@app.route("/other")\ndef other():\n    return "other"\n'
OTHER_LINE = 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _served(url: str, text: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return bool(reply.read().decode() == text)
    except (OSError, http.client.HTTPException) as exc:
        if isinstance(exc, http.client.IncompleteRead):
            print(f"  (a response cut short: {exc!r})", file=sys.stderr)
        return False


def _source(n: int) -> str:
    return VIEW + f'    return "v{n}"\n' + OTHER


class Follower:
    """A DAP client attached to the app, re-attaching after every restart; the time
    (monotonic) at which each attach was answered."""

    def __init__(self, address: tuple[str, int], app_py: Path) -> None:
        self.address = address
        self.points = Breakpoints({str(app_py): [{"line": OTHER_LINE}]})
        self.armed: list[float] = []
        self._stop = threading.Event()
        self._client: Optional[DapClient] = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self.wait_armed(1)

    def _run(self) -> None:
        while not self._stop.is_set():
            client = attach(self.address, self.points)
            with self._changed:
                self.armed.append(time.monotonic())
                self._client = client
                self._changed.notify_all()
            # No restart within the client's deadline, or closed: attach again, or stop.
            with contextlib.suppress(AssertionError):
                client.event("terminated")
            client.close()

    def wait_armed(self, count: int, timeout: float = 30) -> float:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.armed) >= count, timeout):
                raise TimeoutError("the debugger client did not re-attach")
            return self.armed[count - 1]

    def close(self) -> None:
        self._stop.set()
        with self._changed:
            if self._client is not None:
                self._client.close()


async def _measure(
    root: Path, mode: str, preload: bool, saves: int
) -> tuple[list[float], list[float]]:
    """save -> served and save -> armed (ms) for each save but the first."""
    port = _free_port()
    debugpy = ("127.0.0.1", _free_port()) if mode != "run" else None
    ready = asyncio.Event()

    def on_event(event: SupervisorEvent) -> None:
        if isinstance(event, AppReady):
            ready.set()

    config = AppConfig(project_root=root, app="app", port=port, preload=preload, debugpy=debugpy)
    supervisor = Supervisor(config, on_event)
    (root / "app.py").write_text(_source(0))
    await supervisor.start()
    await asyncio.wait_for(ready.wait(), 60)
    follower = Follower(debugpy, root / "app.py") if mode == "client" and debugpy else None
    if follower is not None:
        await asyncio.to_thread(follower.start)
    try:
        return await _save_and_time(root, port, supervisor, follower, saves)
    finally:
        if follower is not None:
            follower.close()
        await supervisor.stop()


async def _save_and_time(
    root: Path, port: int, supervisor: Supervisor, follower: Optional[Follower], saves: int
) -> tuple[list[float], list[float]]:
    served: list[float] = []
    armed: list[float] = []
    for n in range(1, saves + 2):  # the first restart builds the preloader: not counted
        start = time.monotonic()
        (root / "app.py").write_text(_source(n))
        supervisor.file_changed(str(root / "app.py"))
        while not await asyncio.to_thread(_served, f"http://127.0.0.1:{port}/", f"v{n}"):
            await asyncio.sleep(0.005)
        done = time.monotonic()
        if follower is not None:
            done_armed = await asyncio.to_thread(follower.wait_armed, n + 1)
            if n > 1:
                armed.append((done_armed - start) * 1000)
        if n > 1:
            served.append((done - start) * 1000)
    return served, armed


def _stats(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


MODES = {"run": "run", "debug": "debug, no client", "client": "debug, client re-attaching"}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=10)
    saves = parser.parse_args().saves
    print(
        "| mode | preloader | save -> served, median ms (p90) | x run"
        " | save -> armed, median ms (p90) | armed - served, median ms |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for preload in (True, False):
        run_median = 0.0
        for mode, label in MODES.items():
            with tempfile.TemporaryDirectory() as folder:
                served, armed = await _measure(Path(folder), mode, preload, saves)
            median, p90 = _stats(served)
            run_median = run_median or median
            fork = "fork" if preload else "spawn"
            cells = [label, fork, f"{median:.0f} ({p90:.0f})", f"{median / run_median:.1f}x"]
            if armed:
                armed_median, armed_p90 = _stats(armed)
                gaps = [a - s for a, s in zip(armed, served)]
                cells += [f"{armed_median:.0f} ({armed_p90:.0f})", f"{statistics.median(gaps):.0f}"]
            else:
                cells += ["-", "-"]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    asyncio.run(main())
