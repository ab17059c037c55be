"""When a burst of watched changes is complete: the pure timing rule.

A burst ends QUIET seconds after its last relevant change (QUIET_MANY once it holds MANY
files), or LONGEST seconds after its first, whichever comes first. Only relevant changes
count: an ignored folder written 100 times a second (a cache, a log, a build) never
keeps the watcher from being quiet, so it never delays the restart a save asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

# An editor's write-then-rename lands within a millisecond, and watchfiles' Rust loop
# reports a step (10 ms) after it first sees a change, with what came meanwhile: QUIET
# only joins what came later (a second file of a Save All).
QUIET = 0.01
# A burst of many files is a tool at work (a checkout, a formatter): on a busy machine it
# can pause longer than QUIET between two files, so its burst waits longer for quiet.
MANY = 20
QUIET_MANY = 0.15
LONGEST = 1.6  # a checkout that keeps writing still restarts within this


class Burst:
    """The relevant paths seen since the last batch, and when the batch is due."""

    def __init__(self, longest: float = LONGEST) -> None:
        self._longest = longest
        self._paths: set[str] = set()
        self._first = 0.0
        self._last = 0.0

    def add(self, now: float, paths: Iterable[str]) -> None:
        """Relevant paths seen at ``now``; an empty batch changes nothing."""
        new = set(paths)
        if not new:
            return
        if not self._paths:
            self._first = now
        self._last = now
        self._paths |= new

    def wait(self, now: float, busy: bool = False) -> Optional[float]:
        """Seconds until the burst is complete (0 or less: it is), None with nothing seen.
        ``busy``: a tool is known to be still writing (git holds its index lock), so only
        the longest wait ends the burst."""
        if not self._paths:
            return None
        quiet = QUIET if len(self._paths) < MANY else QUIET_MANY
        due = self._first + self._longest
        if not busy:
            due = min(self._last + quiet, due)
        return due - now

    def take(self) -> list[str]:
        """The burst's paths, sorted; the next burst starts empty."""
        paths, self._paths = self._paths, set()
        return sorted(paths)
