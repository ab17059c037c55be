"""The event pipe to the supervisor: one JSON object a line, safe from any thread."""

from __future__ import annotations

import copy
import json
import os
import threading
from collections.abc import Mapping
from typing import Any, Optional

from failsafe_flask.child.exceptions import TRUNCATED, cap_text
from failsafe_flask.protocol import ENV_EVENT_FD, Event, to_wire

MAX_EVENT_BYTES = 1_000_000
# Progressively harsher limits tried when an event is too big: (message chars, frames kept
# at the head, frames kept at the tail, keep cause/context, file paths kept).
_SHRINK_LEVELS = ((2_000, 10, 30, True, 5_000), (500, 3, 10, False, 1_000), (200, 0, 3, False, 0))


class EventWriter:
    """Writes events on the inherited pipe; without a pipe (a manual run) drops them."""

    def __init__(self, fd: Optional[int]) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        if fd is not None:
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
            try:
                _write_all(self._fd, data)
            except OSError:
                # The supervisor is gone (EPIPE): nobody is left to tell; the lifeline
                # thread kills the process group, and this spares a traceback meanwhile.
                os._exit(0)


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
