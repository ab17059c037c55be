"""The cost of debugging: save -> served in debug mode (debugpy in each app process)
against run mode, with the preloader (fork, then debugpy set up in the fork) and without.

    .venv/bin/python bench/debug_cost.py [--saves N]

A real Supervisor in this process serves a small project from a temp folder; each save
rewrites a view and waits until the new app process serves it. Nothing attaches: this is
what debug mode costs while no client is attached (attaching adds the client's own
initialize/attach/setBreakpoints round trips, a few ms on localhost).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from failsafe_flask.config import AppConfig
from failsafe_flask.supervisor.core import Supervisor
from failsafe_flask.supervisor.events import AppReady, SupervisorEvent

VIEW = 'from flask import Flask\napp = Flask(__name__)\n\n@app.route("/")\ndef index():\n'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _served(url: str, text: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return bool(reply.read().decode() == text)
    except OSError:
        return False


async def _measure(root: Path, debug: bool, preload: bool, saves: int) -> list[float]:
    port = _free_port()
    debugpy = ("127.0.0.1", _free_port()) if debug else None
    ready = asyncio.Event()

    def on_event(event: SupervisorEvent) -> None:
        if isinstance(event, AppReady):
            ready.set()

    config = AppConfig(project_root=root, app="app", port=port, preload=preload, debugpy=debugpy)
    supervisor = Supervisor(config, on_event)
    (root / "app.py").write_text(VIEW + '    return "v0"\n')
    await supervisor.start()
    await asyncio.wait_for(ready.wait(), 60)
    times: list[float] = []
    try:
        for n in range(1, saves + 2):  # the first restart builds the preloader: not counted
            ready.clear()
            start = time.monotonic()
            (root / "app.py").write_text(VIEW + f'    return "v{n}"\n')
            supervisor.file_changed(str(root / "app.py"))
            while not await asyncio.to_thread(_served, f"http://127.0.0.1:{port}/", f"v{n}"):
                await asyncio.sleep(0.005)
            if n > 1:
                times.append((time.monotonic() - start) * 1000)
    finally:
        await supervisor.stop()
    return times


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=10)
    saves = parser.parse_args().saves
    print("| mode | preloader | save -> served, median ms | p90 ms |")
    print("|---|---|---|---|")
    for preload in (True, False):
        for debug in (False, True):
            with tempfile.TemporaryDirectory() as folder:
                times = sorted(await _measure(Path(folder), debug, preload, saves))
            p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
            mode = "debug (debugpy)" if debug else "run"
            fork = "fork" if preload else "spawn"
            print(f"| {mode} | {fork} | {statistics.median(times):.0f} | {p90:.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
