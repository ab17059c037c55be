"""A thread that runs for the length of a ``with`` block: the bench's samplers."""

from __future__ import annotations

import threading
from typing import TypeVar

T = TypeVar("T", bound="Background")


class Background:
    """Subclasses implement ``_run``, which returns once ``self._stop`` is set."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self: T) -> T:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        raise NotImplementedError
