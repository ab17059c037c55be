"""The native watcher: changes made outside the editor (git, another tool, a terminal).

watchfiles runs inotify / FSEvents in Rust and batches a burst (a `git checkout` of
hundreds of files) into one set, so nothing here polls the tree. It is compiled, so the
VS Code extension cannot bundle it for every interpreter: without it, the editor's own
save and file events are the only triggers, and the watcher says so once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "watchfiles is not installed in this interpreter: changes made outside the editor "
    "are seen only through the editor's file events (pip install watchfiles)."
)


class Watcher:
    def __init__(
        self,
        root: str,
        accept: Callable[[str], bool],
        on_changes: Callable[[list[str]], None],
        on_unavailable: Callable[[str], None],
    ) -> None:
        self._root = root
        self._accept = accept
        self._on_changes = on_changes
        self._on_unavailable = on_unavailable
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        try:
            import watchfiles
        except ImportError:
            self._on_unavailable(UNAVAILABLE)
            return
        try:
            async for changes in watchfiles.awatch(
                self._root,
                watch_filter=lambda _change, path: self._accept(path),
                stop_event=self._stop,
                ignore_permission_denied=True,
                # A batch is reported after this many ms without a new change. Its Rust
                # loop also wakes this often when idle: 50 (the default) costs ~70 ms
                # per save, 10 costs 0.5 % of a core with nothing happening.
                step=20,
            ):
                self._on_changes(sorted({path for _, path in changes}))
        except Exception:  # a dead watcher must not take the supervisor down
            log.exception("the file watcher stopped; saves in the editor still restart the app")
