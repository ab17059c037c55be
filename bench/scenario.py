"""One run of one peer: every metric, in the order a developer meets them.

Edit phase (the plain project): cold start, two valid saves, a SyntaxError, its fix, then
restarts under a stream of requests. Idle phase: a fresh start with 10,000 extra ``.py``
files in the tree, then its CPU over a quiet window. Memory is sampled throughout.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import probe
import procs
from peers import Peer, environment
from project import MARKER_START, Project

DEADLINE = 30.0  # seconds, for every wait
PAUSE = 0.2  # between a served save and the next one: a human pace, and the stat
# reloader of a freshly restarted Werkzeug process records mtimes in its first pass
SETTLE_AFTER_ERROR = 1.0  # a peer that is going to die on a SyntaxError has done so
# Startup scans are over, and so is what a peer builds in the background after its first
# page (ours: the preloader from 1 s after ready, then the incremental layer): idle is
# what the tree costs while the developer reads, not the tail of its start.
SETTLE_BEFORE_IDLE = 6.0
# After the first page a developer reads it before the first save (as in large_run.py).
FIRST_LOOK = 2.0
UNANSWERED = 5.0  # a request with no answer in this long counts as left hanging


@dataclass(frozen=True)
class Options:
    restarts: int = 20
    crash_cycles: int = 5
    idle_seconds: float = 5.0
    extra_files: int = 10_000


class Run:
    def __init__(self, peer: Peer, project: Project, opts: Options, logs: Path, tag: str) -> None:
        self.peer, self.project, self.opts = peer, project, opts
        self.logs, self.tag = logs, tag
        self.result: dict[str, Any] = {}
        self.port = 0
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.memory = procs.PeakMemory()

    def execute(self) -> dict[str, Any]:
        self.project.reset()
        with self.memory:
            try:
                self._edit_phase()
            finally:
                self._stop()
            self._idle_phase()
        self.result["peak_rss_mib"] = self.memory.peak / 2**20
        self.result["peak_pss_mib"] = self.memory.peak_pss / 2**20
        return self.result

    def _start(self, marker: Optional[str]) -> Optional[float]:
        """Start the peer on a free port; seconds until it serves (``marker`` if given)."""
        self.port = procs.free_port()
        log = self.logs / f"{self.peer.key}-{self.tag}.log"
        self.proc = procs.start(
            self.peer.argv(self.port), self.project.root, environment(self.port), log
        )
        self.memory.watch(self.proc.pid)
        check = probe.serving(marker) if marker else (lambda r: r.status == 200)
        return probe.wait_for(check, self.port, DEADLINE, give_up=self._dead)

    def _stop(self) -> None:
        if self.proc is not None:
            procs.stop(self.proc)
            self.proc = None

    def _dead(self) -> bool:
        return self.proc is None or not procs.alive(self.proc)

    def _served_after(self, marker: str) -> Optional[float]:
        seconds = probe.wait_for(probe.serving(marker), self.port, DEADLINE)
        time.sleep(PAUSE)
        return seconds

    def _edit_phase(self) -> None:
        r = self.result
        r["cold_start_s"] = self._start(MARKER_START)
        if r["cold_start_s"] is None:
            return
        time.sleep(FIRST_LOOK)
        self.project.save_marker(f"{self.tag}-replace", atomic=True)
        r["save_replace_s"] = self._served_after(f"{self.tag}-replace")
        self.project.save_marker(f"{self.tag}-inplace", atomic=False)
        r["save_inplace_s"] = self._served_after(f"{self.tag}-inplace")
        self._serving_memory()
        self._syntax_error()
        if self._fix():
            self._restarts_under_load()
            self._crash_cycles()

    def _serving_memory(self) -> None:
        """The tree's memory while it serves, after two restarts: what it holds for as
        long as the developer works, beside the peak."""
        assert self.proc is not None
        pids = procs.tree(self.proc.pid)
        self.result["serving_rss_mib"] = procs.rss_bytes(pids) / 2**20
        self.result["serving_pss_mib"] = procs.pss_bytes(pids) / 2**20

    def _syntax_error(self) -> None:
        r = self.result
        self.project.break_models()
        if self.peer.key == "ours":

            def check(reply: probe.Reply) -> bool:
                return reply.status == 500 and reply.error_page
        else:  # the error shows as anything but the old page: a 500, a refused port, death

            def check(reply: probe.Reply) -> bool:
                return reply.status != 200 or self._dead()

        r["syntax_error_s"] = probe.wait_for(check, self.port, DEADLINE)
        time.sleep(SETTLE_AFTER_ERROR)
        r["alive_after_error"] = not self._dead()
        r["answers_after_error"] = probe.answers(self.port)

    def _fix(self) -> bool:
        """Save the fix; a dead peer (or one that missed it) is restarted from scratch."""
        r = self.result
        marker = f"{self.tag}-fixed"
        self.project.fix_models(marker)
        if not self._dead():
            r["fix_s"] = self._served_after(marker)
        else:
            r["fix_s"] = None
        r["fix_outcome"] = (
            "served" if r["fix_s"] is not None else ("dead" if self._dead() else "missed")
        )
        if r["fix_s"] is not None:
            return True
        self._stop()
        r["restart_from_scratch_s"] = self._start(marker)
        time.sleep(PAUSE)
        return r["restart_from_scratch_s"] is not None

    def _restarts_under_load(self) -> None:
        r = self.result
        times: list[Optional[float]] = []
        with probe.RequestStream(self.port) as stream:
            for i in range(self.opts.restarts):
                marker = f"{self.tag}-restart{i}"
                self.project.save_marker(marker, atomic=True)
                times.append(self._served_after(marker))
                if times[-1] is None:
                    break  # a peer that stopped reloading would cost DEADLINE per save
        r["restarts_done"] = sum(t is not None for t in times)
        r["restart_s"] = [t for t in times if t is not None]
        r["requests_total"] = stream.total
        r["requests_failed"] = stream.failed
        r["slowest_request_s"] = stream.slowest

    def _crash_cycles(self) -> None:
        """The app process dies at import, then a fix; requests flow all along."""
        r = self.result
        down: list[float] = []
        with probe.RequestStream(self.port, interval=0.02, timeout=UNANSWERED) as stream:
            for i in range(self.opts.crash_cycles):
                self.project.crash_models()
                seen = probe.wait_for(self._crash_seen, self.port, DEADLINE, give_up=self._dead)
                if seen is not None:
                    down.append(seen)
                self.project.fix_models(f"{self.tag}-crash{i}")
                if self._dead() or self._served_after(f"{self.tag}-crash{i}") is None:
                    break  # it did not come back by itself: the cycle cannot go on
        r["crash_cycles_done"] = len(down)
        r["crash_to_page_s"] = down
        r["crash_requests_total"] = stream.total
        r["crash_requests_unanswered"] = stream.unanswered
        r["crash_requests_failed"] = stream.failed - stream.answered_down

    def _crash_seen(self, reply: probe.Reply) -> bool:
        """Ours must serve its 503 page; for a peer, anything but the old page counts."""
        if self.peer.key.startswith("ours"):
            return reply.status == 503 and reply.down_page
        return reply.status != 200 or self._dead()

    def _idle_phase(self) -> None:
        r = self.result
        self.project.add_extra()
        try:
            r["cold_start_10k_s"] = self._start(None)
            if r["cold_start_10k_s"] is None:
                return
            time.sleep(SETTLE_BEFORE_IDLE)
            r["idle_cpu_pct"] = self._idle_cpu()
        finally:
            self._stop()
            self.project.remove_extra()

    def _idle_cpu(self) -> float:
        assert self.proc is not None
        before = {pid: procs.cpu_seconds([pid]) for pid in procs.tree(self.proc.pid)}
        start = time.monotonic()
        time.sleep(self.opts.idle_seconds)
        after = {pid: procs.cpu_seconds([pid]) for pid in procs.tree(self.proc.pid)}
        elapsed = time.monotonic() - start
        used = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
        return 100.0 * used / elapsed
