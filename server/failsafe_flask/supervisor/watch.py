"""The native watcher: changes made outside the editor (git, another tool, a terminal).

watchfiles runs inotify / FSEvents in Rust and batches a burst (a `git checkout` of
hundreds of files) into one set, so nothing here polls the tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import watchfiles

log = logging.getLogger(__name__)


class Watcher:
    def __init__(
        self,
        root: str,
        accept: Callable[[str], bool],
        on_changes: Callable[[list[str]], None],
    ) -> None:
        self._root = root
        self._accept = accept
        self._on_changes = on_changes
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
            async for changes in watchfiles.awatch(
                self._root,
                watch_filter=lambda _change, path: self._accept(path),
                stop_event=self._stop,
                ignore_permission_denied=True,
            ):
                self._on_changes(sorted({path for _, path in changes}))
        except Exception:  # a dead watcher must not take the supervisor down
            log.exception("the file watcher stopped; saves in the editor still restart the app")
