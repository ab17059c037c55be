"""The event pipe to the supervisor: one JSON object a line, safe from any thread."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import stat
import sys
import threading
from collections.abc import Mapping
from typing import Any, NoReturn, Optional

from failsafe_flask.child.exceptions import TRUNCATED, cap_text
from failsafe_flask.child.lifeline import kill_own_group
from failsafe_flask.protocol import (
    CHANNEL_LOST_NOTE,
    ENV_EVENT_FD,
    EXIT_CHANNEL_LOST,
    Event,
    to_wire,
)

MAX_EVENT_BYTES = 1_000_000
# Progressively harsher limits tried when an event is too big: (message chars, frames kept
# at the head, frames kept at the tail, keep cause/context, file paths kept).
_SHRINK_LEVELS = ((2_000, 10, 30, True, 5_000), (500, 3, 10, False, 1_000), (200, 0, 3, False, 0))


class EventWriter:
    """Writes events on the inherited pipe; without a pipe (a manual run) drops them.

    The app may close descriptors it did not open (``os.closerange(3, ...)``) and open
    its own files, which then get the pipe's number: before each write the descriptor
    must still be the pipe it was (same device and inode), or the event would land in
    the user's file. A channel found lost ends the process with ``EXIT_CHANNEL_LOST``.
    """

    def __init__(self, fd: Optional[int]) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._identity = _pipe_identity(fd) if fd is not None else None
        if fd is not None and self._identity is not None:
            # Keep the pipe from leaking into the app's own subprocesses: a grandchild
            # holding it would hide this process's death from the supervisor.
            os.set_inheritable(fd, False)

    @classmethod
    def from_env(cls) -> EventWriter:
        value = os.environ.get(ENV_EVENT_FD)
        return cls(int(value) if value else None)

    def emit(self, event: Event) -> None:
        if self._fd is None:
            return
        data = encode_event(to_wire(event))
        with self._lock:
            self.check()
            try:
                _write_all(self._fd, data)
            except BrokenPipeError:
                # The supervisor is gone: nobody is left to tell. End the group as the
                # lifeline thread would: exiting alone could beat that thread to it and
                # leave the app's own subprocesses running.
                kill_own_group()
            except OSError:
                _channel_lost(self._fd)

    def check(self) -> None:
        """End the process, saying why, if the channel is no longer the pipe it was."""
        if self._fd is not None and (
            self._identity is None or _pipe_identity(self._fd) != self._identity
        ):
            _channel_lost(self._fd)


def _pipe_identity(fd: int) -> Optional[tuple[int, int]]:
    """(device, inode) of the pipe open on ``fd``; None when it is closed or no pipe."""
    try:
        info = os.fstat(fd)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISFIFO(info.st_mode) else None


def _channel_lost(fd: int) -> NoReturn:
    """Say so where the supervisor shows it (stderr), then end: an app process that can
    report nothing would look stuck or well while it is neither."""
    note = CHANNEL_LOST_NOTE.format(fd=fd)
    with contextlib.suppress(Exception):
        sys.stderr.flush()
        os.write(2, f"{note}\n".encode())
    os._exit(EXIT_CHANNEL_LOST)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def encode_event(event: Mapping[str, Any]) -> bytes:
    """The event as one UTF-8 JSON line, shrunk to fit ``MAX_EVENT_BYTES``."""
    data = _dumps(event)
    for level in _SHRINK_LEVELS:
        if len(data) <= MAX_EVENT_BYTES:
            break
        data = _dumps(_shrunk(event, *level))
    return data


def _dumps(event: Mapping[str, Any]) -> bytes:
    text = json.dumps(event, ensure_ascii=False, default=str, separators=(",", ":"))
    return (text + "\n").encode("utf-8", errors="replace")


def _shrunk(
    event: Mapping[str, Any], chars: int, head: int, tail: int, chain: bool, files: int
) -> dict[str, Any]:
    smaller = copy.deepcopy(dict(event))
    if isinstance(smaller.get("files"), list):
        smaller["files"] = smaller["files"][:files]
    if isinstance(smaller.get("error"), dict):
        _shrink_error(smaller["error"], chars, head, tail, chain)
    return smaller


def _shrink_error(info: dict[str, Any], chars: int, head: int, tail: int, chain: bool) -> None:
    info["message"] = cap_text(str(info.get("message", "")), chars)
    frames = info.get("frames") or []
    if len(frames) > head + tail:
        info["frames"] = frames[:head] + (frames[-tail:] if tail else [])
    for frame in info["frames"]:
        if len(frame.get("text", "")) > chars:
            # A column into a cut line would point nowhere: drop the line, keep the place.
            frame.update(text=frame["text"][:chars] + TRUNCATED, col=None, end_col=None)
    for link in ("cause", "context"):
        if not chain:
            info[link] = None
        elif isinstance(info.get(link), dict):
            _shrink_error(info[link], chars, head, tail, chain)
