"""Fixtures and probes shared by the fault tests: real processes, deadlines, /proc."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from integration.supervisor_harness import Harness, write

StartApp = Callable[..., "object"]


@pytest.fixture
async def start_app(tmp_path: Path) -> AsyncIterator[StartApp]:
    """start_app(files, root=..., **config) -> a started Harness; stopped at the end."""
    harnesses: list[Harness] = []

    async def start(files: dict[str, str], root: Path = tmp_path, **options: object) -> Harness:
        root.mkdir(parents=True, exist_ok=True)
        write(root, files)
        harness = Harness(root, **options)
        harnesses.append(harness)
        await harness.supervisor.start()
        return harness

    yield start
    for harness in harnesses:
        await harness.supervisor.stop()


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


def app_processes() -> list[int]:
    """Live app processes (``failsafe_flask.child``) started by this test process."""
    found = []
    for entry in os.listdir("/proc"):
        fields = _stat_fields(entry) if entry.isdigit() else None
        if not fields or fields[0] == "Z" or int(fields[1]) != os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if b"failsafe_flask.child" in cmdline:
            found.append(int(entry))
    return found


def is_alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True
