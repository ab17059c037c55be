"""Which preloader forks the next app process, and when to build another."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Optional

from ..protocol import Event, LoadError, Ready
from .launch import Key, LaunchPlan
from .preload import Preloader, PreloadError
from .process import Note

STALE_ERRORS = ("ImportError", "ModuleNotFoundError")
# After the first app is ready, its first requests come before the preloader's imports
# compete with them for the CPU; a restart asked for sooner builds it at once.
FIRST_BUILD_DELAY = 1.0


class PreloadPool:
    """Which preloader forks the next app: built when missing, rebuilt when stale or when
    the app imports new packages, given up (until the settings change) when it fails.

    The very first app process is spawned, and the preloader is built once it has
    loaded: a first start that waited for the preloader's imports, then forked, came
    later than `flask run`'s, and the app's ready event names the packages to preload."""

    def __init__(self, note: Note) -> None:
        self._note = note
        self._current: Optional[Preloader] = None
        self._building: Optional[asyncio.Task[Preloader]] = None
        self._building_key: Optional[Key] = None
        self._others: set[Preloader] = set()  # retired, until their forks have ended
        self._packages: tuple[str, ...] = ()  # from the last ready event
        self._said_left_out: set[str] = set()  # each package left out is told once
        self._failed_key: Optional[Key] = None
        self._first = True  # no app process launched yet: spawn it, build after
        self._asked: Optional[Key] = None  # the key of the last launch's ``get``
        self._soon: Optional[asyncio.Task[None]] = None  # the first build, after its delay

    async def get(self, plan: LaunchPlan) -> Optional[Preloader]:
        """A preloader ready to fork ``plan``, or None: spawn instead."""
        key = self._asked = plan.key
        if key == self._failed_key:
            return None
        if self._first:
            self._first = False
            return None
        if self._building is not None and self._building_key != key:
            self._cancel_build()
        current = self._current
        if current is not None and current.stale_reason(key) is None:
            return current
        self._retire_current()
        task = self._building or self._build(plan)
        try:
            await asyncio.shield(task)
        except (PreloadError, OSError) as exc:
            self.fail(key, _reason(exc))
            return None
        except asyncio.CancelledError:
            if task.cancelled():  # replaced by a build for newer settings: spawn this once
                return None
            raise
        self._adopt(task)
        return self._current

    async def plain(self, plan: LaunchPlan) -> Optional[Preloader]:
        """The preloader to fork a layer from: ``get``, once the first build, kept for
        after the app's first requests, has started (a layer never hurries it)."""
        soon = self._soon
        if soon is not None:
            await asyncio.wait([soon])  # returns when cancelled (close) too, raising nothing
        if plan.key != self._asked:  # launched with other settings since: it would be stale
            return None
        return await self.get(plan)

    def learn(self, plan: LaunchPlan, event: Event, forked: bool) -> None:
        """What an app process reported: new packages to preload, or a stale preloader."""
        can_build = self._building is None and plan.key != self._failed_key
        if isinstance(event, Ready):
            self._packages = tuple(event.packages)
            current = self._current
            have = current.packages if current is not None else frozenset()
            if current is None and can_build:
                self._build_soon(plan)  # in the background, ahead of the next restart
            elif set(self._packages) - have and can_build:
                self._build(plan)
        elif isinstance(event, LoadError) and self._current is None and can_build:
            self._build_soon(plan)  # a first start that failed: the fix restarts from a fork
        elif isinstance(event, LoadError) and forked and event.error["type"] in STALE_ERRORS:
            # Installed since the preloader imported its packages? A fresh one will know.
            self._retire_current()
            if can_build:
                self._build(plan)

    def fail(self, key: Key, reason: str) -> None:
        """Spawn from now on, until the settings change; said once."""
        if key == self._failed_key:
            return
        self._failed_key = key
        self._retire_current()
        self._note(
            f" * The preloader failed ({reason}); app processes start in a new interpreter"
            " until the settings change."
        )

    async def close(self) -> None:
        if self._soon is not None:
            self._soon.cancel()
            self._soon = None
        self._cancel_build()
        self._retire_current()
        others, self._others = self._others, set()
        await asyncio.gather(*(p.aclose() for p in others), return_exceptions=True)

    def _build_soon(self, plan: LaunchPlan) -> None:
        if self._soon is None:
            self._soon = asyncio.create_task(self._build_later(plan))

    async def _build_later(self, plan: LaunchPlan) -> None:
        await asyncio.sleep(FIRST_BUILD_DELAY)
        self._soon = None
        if self._current is None and self._building is None and plan.key != self._failed_key:
            self._build(plan)

    def _build(self, plan: LaunchPlan) -> asyncio.Task[Preloader]:
        task = asyncio.create_task(Preloader.start(plan, self._packages, self._note))
        self._building, self._building_key = task, plan.key
        task.add_done_callback(self._built)
        return task

    def _built(self, task: asyncio.Task[Preloader]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            if task is self._building:
                self._building = None
                self.fail(self._building_key or (), _reason(error))
            return
        preloader = task.result()
        if task is not self._building:
            self._others.add(preloader)
            preloader.retire()
            return
        self._adopt(task)

    def _adopt(self, task: asyncio.Task[Preloader]) -> None:
        if task is not self._building:
            return
        self._building = None
        self._retire_current()
        self._current = task.result()
        self._current.on_death = self._on_death
        self._tell_left_out(self._current.left_out)

    def _tell_left_out(self, names: Sequence[str]) -> None:
        for name in names:
            if name not in self._said_left_out:
                self._said_left_out.add(name)
                self._note(
                    f" * Preloading leaves {name} out: importing it starts a thread, which a"
                    " fork does not copy (a lock it holds would stay held). Each app process"
                    " imports it itself."
                )

    def _on_death(self, preloader: Preloader, reason: str) -> None:
        if preloader is self._current:
            self.fail(preloader.key, reason)

    def _retire_current(self) -> None:
        current, self._current = self._current, None
        if current is not None:
            current.on_death = lambda preloader, why: None
            current.retire()
            self._others = {p for p in self._others if not p.closed} | {current}

    def _cancel_build(self) -> None:
        task, self._building = self._building, None
        if task is not None:
            task.cancel()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot run it: {exc.strerror or exc}"
    return str(exc) or type(exc).__name__
