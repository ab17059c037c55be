"""Start app processes: forked by a preloader when possible, spawned otherwise.

The one place that decides how: each launch is planned once (``launch.plan_launch``),
then either forked (``fork``) from a preloader the pool keeps (``pool``) or spawned
(``spawn``); the result looks the same either way (``process.AppProcess``).
"""

from __future__ import annotations

import os
import socket
from typing import Optional

from ..config import AppConfig
from ..protocol import Event, Imports
from . import spawn
from .adopt import adopt
from .fork import fork
from .headstart import HeadStart
from .launch import LaunchPlan, plan_launch
from .layer import Layers
from .package import PackageFolder, debugpy_folder
from .pool import PreloadPool
from .preload import PreloadError, can_preload
from .process import AppProcess, Hooks, Note, OnEvent, OnLine


class Launcher:
    """``note`` gets one line for the user when something about launching goes wrong
    (the preloader fails and spawning takes over, an app needs SIGKILL, a bad message)."""

    def __init__(self, note: Note, head: Optional[HeadStart] = None) -> None:
        self._note = note
        self._pool = PreloadPool(note) if can_preload() else None
        self._layers = Layers(note)
        self._head = head  # the first launch, when it is this one
        self._package = head.package if head is not None else PackageFolder()
        self._debugpy = debugpy_folder()

    @property
    def layers(self) -> Layers:
        return self._layers

    async def launch(
        self, config: AppConfig, sock: socket.socket, on_line: OnLine, on_event: OnEvent
    ) -> AppProcess:
        debugpy = self._debugpy.parent() if self._debugpy and config.debugpy else None
        plan = plan_launch(config, os.environ, self._package.parent(), debugpy)
        hooks = Hooks(on_line, on_event, self._note)
        pool = self._pool
        if pool is None or not config.preload:
            await self._layers.close()
            if pool is not None:
                await pool.close()
            return self._spawn(plan, sock, hooks)
        forked = await self._from_layer(plan, sock, hooks, pool)
        if forked is not None:
            return forked
        preloader = await pool.get(plan)
        if preloader is not None:
            try:
                return await fork(preloader, plan, sock, self._learning(plan, hooks, True))
            except PreloadError as exc:
                pool.fail(plan.key, str(exc))
        return self._spawn(plan, sock, self._learning(plan, hooks, False))

    def _spawn(self, plan: LaunchPlan, sock: socket.socket, hooks: Hooks) -> AppProcess:
        head, self._head = self._head, None
        if head is not None:
            if head.plan == plan and head.sock is sock:
                return adopt(head.started, hooks)
            head.started.discard()  # started for other settings: never seen by the user
        return adopt(spawn.start(plan, sock), hooks)

    async def _from_layer(
        self, plan: LaunchPlan, sock: socket.socket, hooks: Hooks, pool: PreloadPool
    ) -> Optional[AppProcess]:
        """Forked by the layer of kept project modules, when there is a good one."""
        if not plan.config.incremental:
            await self._layers.close()
            return None
        layer = await self._layers.at_launch(plan.key, lambda: pool.get(plan))
        if layer is None:
            return None
        try:
            return await fork(layer, plan, sock, self._learning(plan, hooks, True))
        except PreloadError:
            self._layers.drop(layer)  # the plain preloader can still do it
            return None

    def _learning(self, plan: LaunchPlan, hooks: Hooks, forked: bool) -> Hooks:
        """``hooks`` whose events the pool learns from too."""
        pool = self._pool
        assert pool is not None

        def on_event(event: Event) -> None:
            hooks.on_event(event)
            pool.learn(plan, event, forked)
            if isinstance(event, Imports) and plan.config.incremental:
                self._layers.learn(event, lambda: pool.plain(plan), spawned=not forked)

        return hooks.with_event(on_event)

    async def close(self) -> None:
        """After the last app process has stopped: the preloaders go, and our folder."""
        head, self._head = self._head, None
        if head is not None:  # stopped before its first launch
            head.started.discard()
        await self._layers.close()
        if self._pool is not None:
            await self._pool.close()
        self._package.remove()
        if self._debugpy is not None:
            self._debugpy.remove()
