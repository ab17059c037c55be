"""The first app process of ``failsafe-flask run``, started before the supervisor's imports.

Once its options are parsed, the terminal front end still imports asyncio, the
supervisor, the watcher and the preloader pool (about 60 ms) before it could launch an
app process, which then spends 200 ms importing Flask and the app. Started here, with
nothing but ``subprocess``, the app process does those imports on the other core
meanwhile; the supervisor's first launch adopts it when it would have launched the same
(``Launcher``): the same plan on the same socket. Anything out of the ordinary (a
debugger, whose port is settled by the supervisor; an address that cannot be bound; a
spawn that fails) gives no head start, and the supervisor then starts as without one,
and says what it says.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from typing import Optional

from ..config import AppConfig
from ..platforms import platform_problem
from . import listener, spawn
from .launch import LaunchPlan, plan_launch
from .package import PackageFolder


@dataclass
class HeadStart:
    config: AppConfig  # the settings it was started for
    sock: socket.socket  # bound and listening: the supervisor's from now on
    package: PackageFolder  # the folder the plan put on PYTHONPATH
    plan: LaunchPlan
    started: spawn.Started
    began: float  # time.monotonic(): the start the first "Ready in" counts from

    def discard(self) -> None:
        """Never to be used: nothing of it is left."""
        self.started.discard()
        self.sock.close()
        self.package.remove()


def head_start(config: AppConfig) -> Optional[HeadStart]:
    began = time.monotonic()
    if platform_problem() or config.debugpy is not None:
        return None
    if not os.path.isdir(config.project_root):
        return None
    try:
        sock = listener.bind(config.host, config.port)
    except listener.BindError:
        return None
    package = PackageFolder()
    try:
        plan = plan_launch(listener.with_bound_port(config, sock), os.environ, package.parent())
        return HeadStart(config, sock, package, plan, spawn.start(plan, sock), began)
    except Exception:  # an interpreter that cannot run: the supervisor will say so
        sock.close()
        package.remove()
        return None
