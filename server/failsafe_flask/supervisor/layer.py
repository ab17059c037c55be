"""Incremental restarts, the supervisor's side: after each app process reports its imports,
build a layer (a fork of the plain preloader that has also imported the project modules
the next save cannot affect) in the background; fork the next app process from it when it
is still good, from the plain preloader otherwise.

A fork, not a new interpreter: the layer shares the preloader's third-party pages and
does not import the packages again. Without a plain preloader (preloading failed, or
is off) there is no layer: a fresh interpreter for it would cost what forking saves.

Which save comes next is a guess: the file saved last (the newest among the files the
app imported) is the one a developer saves again. A layer whose kept files changed since
it imported them is stale (their mtimes, as for the preloader's packages), and a layer
whose modules' files changed between the app's import and its own is never used.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Optional

from ..protocol import HOLDS_APP, ImportedModule, Imports, LayerRequest
from . import keep, saved_since
from .launch import Key
from .preload import Preloader, PreloadError
from .process import Note

# The plain preloader to fork a layer from, waited for when it is being built (None: none).
PlainPreloader = Callable[[], Awaitable[Optional[Preloader]]]

LAYER_TIMEOUT = 60.0  # importing a big project on a slow machine; it runs in the background
# A layer costs a process and its imports after every restart whose keep set differs: not
# worth it for what imports faster than this.
WORTH_SECONDS = 0.03


class _Skipped(PreloadError):
    """No layer this time, and nothing to tell: a file changed while the layer imported it
    (a save came, the next one is built), or there is no plain preloader to fork it from."""


class Layers:
    """The current layer, the one being built, and the retired ones until their forks end."""

    def __init__(self, note: Note) -> None:
        self._note = note
        self._current: Optional[Preloader] = None
        self._kept: tuple[str, ...] = ()  # what the current (or building) layer holds
        self._graph: Sequence[ImportedModule] = ()  # the imports it was decided from
        self._inert: frozenset[str] = frozenset()  # changed modules it relies on being inert
        self._pending: Optional[Imports] = None  # a spawned app's, for the next launch
        self._building: Optional[asyncio.Task[Preloader]] = None
        self._others: set[Preloader] = set()
        self._told: set[str] = set()  # never-kept modules and failures, said once each
        self.learned = 0  # app processes' imports learned from: what a waiter can count

    @property
    def settled(self) -> bool:
        """No layer is being built (the last one is ready, or failed, or none was needed)."""
        return self._building is None

    @property
    def kept(self) -> tuple[str, ...]:
        """What the current layer holds (nothing without one)."""
        return self._kept if self._current is not None else ()

    def usable(self, key: Key) -> Optional[Preloader]:
        """The layer to fork the next app process from, if it is still good."""
        current = self._current
        if current is None:
            return None
        if current.stale_reason(key) is not None or saved_since.breaks(
            self._graph, self._kept, self._inert
        ):
            self._retire_current()
            return None
        return current

    def drop(self, preloader: Preloader) -> None:
        """A fork from it failed: fork from the plain preloader until the next layer."""
        if preloader is self._current:
            self._retire_current()

    def learn(self, event: Imports, plain: PlainPreloader, spawned: bool = False) -> None:
        """An app process's imports: build the layer for the next save, unless it exists.

        A spawned app's imports (the first app's) wait for the next launch instead
        (``at_launch``): a layer built beside a spawned app holds the project's modules a
        second time, in an interpreter that shares none of its pages (on the large
        benchmark project the tree's peak PSS was 171-183 MiB against 153 for `flask run
        --debug`); built once that app is going, the peak is the forked tree's."""
        self.learned += 1
        self._tell_never_kept(event)
        self._pending = event if spawned else None
        if spawned:
            self._cancel_build()
            self._retire_current()
            return
        changed = _newest(event)
        self._decide(event, changed, saved_since.inert_now(event.modules, changed), plain)

    async def at_launch(self, key: Key, plain: PlainPreloader) -> Optional[Preloader]:
        """The layer to fork this launch from: the current one when it is good; after a
        spawned app, one built now from its imports for the files saved since."""
        event, self._pending = self._pending, None
        if event is None or self._current is not None:
            return self.usable(key)
        changed = saved_since.changed_files(event.modules)
        task = self._decide(event, changed, saved_since.inert_as_saved(event.modules), plain)
        if task is not None:
            # Failed, skipped or slower than the app's own imports were (an import that
            # hangs in the layer): the plain preloader forks this one.
            await asyncio.wait([task], timeout=_patience(event, self._kept))
        return self.usable(key)

    def _decide(
        self, event: Imports, changed: set[str], inert: frozenset[str], plain: PlainPreloader
    ) -> Optional[asyncio.Task[Preloader]]:
        """Build the layer that keeps what ``changed`` cannot affect, unless the current
        one (or the one being built) holds the same; the build, when one starts."""
        decision = keep.decide(event.modules, changed, inert)
        kept = tuple(decision.kept)
        if kept == self._kept and (self._building is not None or self._current is not None):
            return self._building
        self._cancel_build()
        self._retire_current()
        self._kept, self._graph, self._inert = kept, event.modules, inert
        if _kept_seconds(event, kept) < WORTH_SECONDS:
            self._kept = ()
            return None
        start = {module["name"]: module["start"] for module in event.modules}
        request = LayerRequest(
            modules=sorted([*kept, *decision.shells], key=start.__getitem__),
            shells=decision.shells,
            environ=event.environ,
            path=event.path,
        )
        stamps = {path: mtime for module in event.modules for path, mtime in module["stamps"]}
        task = asyncio.create_task(self._build(plain, request, stamps))
        self._building = task
        task.add_done_callback(self._built)
        return task

    async def _build(
        self, plain: PlainPreloader, request: LayerRequest, stamps: dict[str, Optional[int]]
    ) -> Preloader:
        preloader = await plain()
        if preloader is None:
            raise _Skipped("no plain preloader")  # the pool has said why, if anything failed
        layer = await preloader.fork_layer(request)
        try:
            ready = await layer.until_layered(LAYER_TIMEOUT)
            for path, mtime in ready.watch:
                if path in stamps and stamps[path] != mtime:
                    raise _Skipped(f"{path} changed while it was imported")
        except BaseException:
            await layer.aclose()
            raise
        return layer

    def _built(self, task: asyncio.Task[Preloader]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            if task is self._building:
                self._building = None
                self._kept = ()
                if not isinstance(error, _Skipped):
                    self._tell(f"layer: {error}", _failed_text(error))
            return
        preloader = task.result()
        if task is not self._building:
            preloader.retire()
            self._others.add(preloader)
            return
        self._building = None
        self._current = preloader

    def _tell_never_kept(self, event: Imports) -> None:
        for name, why in sorted(keep.never_kept(event.modules).items()):
            if why != HOLDS_APP:
                self._tell(
                    f"never:{name}",
                    f" * Restarts import {name} afresh each time: {why}, which a fork"
                    " does not copy.",
                )

    def _tell(self, key: str, text: str) -> None:
        if key not in self._told:
            self._told.add(key)
            self._note(text)

    def _retire_current(self) -> None:
        current, self._current = self._current, None
        if current is not None:
            current.retire()
            self._others = {p for p in self._others if not p.closed} | {current}

    def _cancel_build(self) -> None:
        task, self._building = self._building, None
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        self._pending = None
        building = self._building
        self._cancel_build()
        if building is not None:  # its own clean-up closes the process it started
            await asyncio.gather(building, return_exceptions=True)
        self._retire_current()
        others, self._others = self._others, set()
        await asyncio.gather(*(p.aclose() for p in others), return_exceptions=True)


def _patience(event: Imports, kept: Sequence[str]) -> float:
    """How long a launch waits for a layer built for it: twice what the kept modules'
    bodies took in the app process, and a second for the fork and a loaded machine."""
    return 2 * _kept_seconds(event, kept) + 1.0


def _kept_seconds(event: Imports, kept: Sequence[str]) -> float:
    """What the bodies of the ``kept`` modules took in the app process that reported them."""
    held = set(kept)
    return sum(m["seconds"] for m in event.modules if m["name"] in held)


def _newest(event: Imports) -> set[str]:
    """The file saved last among those the app imported or read: the guess for the next."""
    newest: tuple[int, str] = (-1, "")
    for module in event.modules:
        for path, _ in module["stamps"]:
            try:
                newest = max(newest, (os.stat(path).st_mtime_ns, path))
            except OSError:
                return {path}  # gone: it changes next, whatever else does
    return {newest[1]} if newest[1] else set()


def _failed_text(error: BaseException) -> str:
    return (
        f" * Incremental restarts: the layer of kept modules failed ({error}); restarts"
        " import every project module until the next one is built."
    )
