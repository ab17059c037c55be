"""One run of one peer on the large project: cold start, three saves, a save under churn,
memory while serving and at its peak."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import probe
import procs
from background import Background
from large_peers import LargePeer
from large_project import FACTORY, LEAF, SHARED, LargeProject
from peers import environment

DEADLINE = 60.0  # seconds, for every wait
PAUSE = 0.5  # between a served save and the next: a freshly started stat reloader has
# recorded its first mtimes by then, so it does not miss the next save
QUIET_CPU = 0.02  # CPU seconds the tree may use in QUIET_WINDOW and count as settled
QUIET_WINDOW = 0.25
FIRST_LOOK = 2.0  # after the first page: a developer reads it before the first save, and
# our preloader, built in the background from 1 s after the app is ready, gets going
CHURN_SETTLE = 0.5  # the churn runs this long before the save, so watchers are in it
ROWS = {"leaf": LEAF, "shared": SHARED, "factory": FACTORY}


class Churn(Background):
    """Writes a new cache file into the project about 100 times a second: a file no peer
    restarts on, that every watcher still hears of."""

    def __init__(self, root: Path) -> None:
        self._folder = root / "cache"
        super().__init__()

    def _run(self) -> None:
        self._folder.mkdir(exist_ok=True)
        n = 0
        while not self._stop.wait(0.01):
            n += 1
            (self._folder / f"entry{n}.json").write_text(str(n), encoding="utf-8")


class LargeRun:
    def __init__(self, peer: LargePeer, project: LargeProject, logs: Path, tag: str) -> None:
        self.peer, self.project, self.tag = peer, project, tag
        self.log = logs / f"large-{peer.key}-{tag}.log"
        self.result: dict[str, Any] = {}
        self.port = 0
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.memory = procs.PeakMemory()

    def execute(self) -> dict[str, Any]:
        self.project.reset()
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(self.project.root)])
        with self.memory:
            try:
                self._measure()
            finally:
                if self.proc is not None:
                    procs.stop(self.proc)
                self.project.remove_churn()
        self.result["peak_rss_mib"] = self.memory.peak / 2**20
        self.result["peak_pss_mib"] = self.memory.peak_pss / 2**20
        return self.result

    def _measure(self) -> None:
        r = self.result
        r["cold_start_s"] = self._start()
        if r["cold_start_s"] is None:
            return
        time.sleep(FIRST_LOOK)
        for row, name in ROWS.items():
            self._settle()
            r[f"{row}_s"] = self._served(self.project.save_marker(name, f"{row}-{self.tag}"))
        self._settle()
        pids = procs.tree(self.proc.pid) if self.proc else []
        r["serving_rss_mib"] = procs.rss_bytes(pids) / 2**20
        r["serving_pss_mib"] = procs.pss_bytes(pids) / 2**20
        self._under_churn()

    def _start(self) -> Optional[float]:
        self.port = procs.free_port()
        self.proc = procs.start(
            self.peer.argv(self.port), self.project.root, environment(self.port), self.log
        )
        self.memory.watch(self.proc.pid)
        give_up = lambda: self.proc is None or not procs.alive(self.proc)  # noqa: E731
        return probe.wait_for(probe.serving(self.project.page()), self.port, DEADLINE, give_up)

    def _settle(self) -> None:
        """Wait, as a developer reading the page would, until the peer's tree is idle: work
        it does in the background after serving (our preloader being built) is not
        charged to the next save. Never shorter than PAUSE."""
        time.sleep(PAUSE)
        deadline = time.monotonic() + DEADLINE
        while self.proc is not None and time.monotonic() < deadline:
            pids = procs.tree(self.proc.pid)
            before = procs.cpu_seconds(pids)
            time.sleep(QUIET_WINDOW)
            if procs.cpu_seconds(pids) - before < QUIET_CPU:
                return

    def _served(self, page: str) -> Optional[float]:
        return probe.wait_for(probe.serving(page), self.port, DEADLINE)

    def _under_churn(self) -> None:
        with Churn(self.project.root):
            time.sleep(CHURN_SETTLE)
            before = self._restart_lines()
            start = time.monotonic()
            page = self.project.save_marker(LEAF, f"churn-{self.tag}")
            self.result["churn_restart_start_s"] = self._restart_seen(before, start)
            served = self._served(page)
            self.result["churn_served_s"] = None if served is None else time.monotonic() - start

    def _restart_lines(self) -> int:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return text.count(self.peer.restart_line)

    def _restart_seen(self, before: int, start: float) -> Optional[float]:
        """Seconds from the save until the peer logs that a restart starts."""
        while time.monotonic() - start < DEADLINE:
            if self._restart_lines() > before:
                return time.monotonic() - start
            time.sleep(probe.POLL)
        return None
