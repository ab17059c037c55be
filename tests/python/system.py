"""The system seen from outside, for tests: ports, processes, and waiting with deadlines.

Linux's /proc tells what runs, in which process group, holding which file; the tests use
it to prove that nothing is left behind and that only the expected process holds a pipe.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

DEADLINE = 30.0  # generous: a 2-core CI machine under load; never reached when all is well


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    """``wait_until`` for async tests: the event loop keeps running meanwhile."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.02)  # no event for "a process is gone"; the deadline bounds it


def wait_until(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    """Poll the system (a process gone, a port free) until true, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.02)  # process state has no event to wait on; the deadline bounds it


def _stat_fields(pid: int | str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # [state, ppid, pgrp, ...]


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    found = []
    for entry in os.listdir("/proc"):
        fields = _stat_fields(entry) if entry.isdigit() else None
        if fields and int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry))
    return found


def descendants(pid: int | None = None) -> list[int]:
    """Live descendants of ``pid`` (this process by default): spawned or forked apps,
    preloaders, and whatever those started."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        fields = _stat_fields(entry) if entry.isdigit() else None
        if fields and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, pending = [], [pid or os.getpid()]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def app_processes() -> list[int]:
    """Live app processes started under this test process: spawned ones run
    ``-m failsafe_flask.child``; forked ones are children of a preloader."""
    found = []
    for pid in descendants():
        fields = _stat_fields(pid)
        if fields is None or int(fields[2]) != pid:
            continue  # an app process leads its own group
        command = _cmdline(pid)
        spawned = b"\0failsafe_flask.child\0" in command
        forked = b"failsafe_flask.child.preloader" in _cmdline(int(fields[1]))
        if spawned or forked:
            found.append(pid)
    return found


def listening_inodes(port: int) -> set[str]:
    """``socket:[inode]`` of whatever listens on this TCP port (IPv4 or IPv6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    return inodes


def fd_targets(pid: int) -> dict[int, str]:
    """fd number -> what it is (``socket:[..]``, ``pipe:[..]``, a path) for one process."""
    targets = {}
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return {}
    for fd in fds:
        try:
            targets[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
    return targets


def holders(target: str, among: list[int] | None = None) -> list[int]:
    """Processes (descendants of this one by default) with an fd on ``target``."""
    pids = descendants() if among is None else among
    return [pid for pid in pids if target in fd_targets(pid).values()]


def is_alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True
