"""Peer processes: start in a new session, read their whole tree from /proc, kill it all.

A peer's tree spans several process groups (our supervisor puts each app process in its
own session), so stopping signals every group found in the tree, not only the root's.
Every started peer is remembered until it is stopped, so ``stop_all`` in a ``finally``
leaves no orphan holding a port, even on Ctrl+C.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

from background import Background

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
_live: dict[int, subprocess.Popen[bytes]] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _live[proc.pid] = proc
    return proc


def _stat_fields(pid: int) -> Optional[list[str]]:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    return text[text.rindex(")") + 2 :].split()


def tree(root: int) -> list[int]:
    """The root and all its living descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        if _stat_fields(pid) is not None:
            found.append(pid)
            pending.extend(children.get(pid, ()))
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    ticks = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / _CLK_TCK


def rss_bytes(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            total += int(fields[21]) * _PAGE  # rss, in pages
    return total


def pss_bytes(pids: Sequence[int]) -> int:
    """The tree's proportional set size: a page shared by n processes counts 1/n in each,
    so a forked tree (supervisor, preloader, app) is not charged its shared pages thrice
    as RSS charges them."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
                total += next(
                    (int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:")), 0
                )
        except (OSError, ValueError):  # gone, or not ours to read
            pass
    return total


def alive(proc: subprocess.Popen[bytes]) -> bool:
    return proc.poll() is None


def stop(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """TERM the peer's own group and let it clean up, then KILL whatever is left.

    Signalling the other groups of the tree at once would kill, say, our preloader under
    the supervisor's feet and make it report a failure a user pressing Ctrl+C never sees.
    """
    pids = tree(proc.pid)
    _signal_groups({proc.pid}, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_running(pid) for pid in pids):
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.01)
    _signal_groups({proc.pid} | {_pgid(pid) for pid in pids}, signal.SIGKILL)
    for pid in pids:  # a process that left its group still dies
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    _live.pop(proc.pid, None)


def stop_all() -> None:
    for proc in list(_live.values()):
        stop(proc, grace=1.0)


def _pgid(pid: int) -> int:
    try:
        return os.getpgid(pid)
    except OSError:
        return pid


def _running(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def _signal_groups(groups: set[int], sig: signal.Signals) -> None:
    for group in groups:
        if group > 1 and group != os.getpgrp():
            with contextlib.suppress(OSError):
                os.killpg(group, sig)


class PeakMemory(Background):
    """Samples the RSS and PSS of a peer's tree in a thread; ``peak`` and ``peak_pss``
    are the largest sums seen."""

    def __init__(self, interval: float = 0.05) -> None:
        self.peak = 0
        self.peak_pss = 0
        self._roots: list[int] = []
        self._interval = interval
        super().__init__()

    def watch(self, root: int) -> None:
        self._roots.append(root)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            for root in list(self._roots):
                pids = tree(root)
                self.peak = max(self.peak, rss_bytes(pids))
                self.peak_pss = max(self.peak_pss, pss_bytes(pids))
