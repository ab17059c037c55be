"""The debugger's address: one port for the app's whole life, whatever its restarts."""

from __future__ import annotations

import dataclasses
import errno
import socket
from typing import Optional

from ..child.debugport import explain, port_problem
from ..config import AppConfig
from . import listener


def fixed(config: AppConfig, previous: Optional[AppConfig] = None) -> AppConfig:
    """``config`` with a debug port of 0 replaced by a free port, chosen once (the
    previous settings' one when they had the same host): a client that attached before a
    restart must find the new app process at the same place."""
    if config.debugpy is None or config.debugpy[1] != 0:
        return config
    host = config.debugpy[0]
    if previous is not None and previous.debugpy is not None and previous.debugpy[0] == host:
        return dataclasses.replace(config, debugpy=previous.debugpy)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    return dataclasses.replace(config, debugpy=(host, port))


def refusal(config: AppConfig) -> Optional[str]:
    """One sentence when another program holds the debug port, else None.

    Checked before an app process of ours could hold it (at start, or when the debug
    address changes): the app processes would otherwise each wait for the port and run
    without the debugger, and the user would see a debugger that never stops."""
    if config.debugpy is None:
        return None
    host, port = config.debugpy
    problem = port_problem(host, port)
    if problem is None:
        return None
    if not problem.permanent:  # in use: say by whom, where the system tells
        problem = explain(host, port, errno.EADDRINUSE, listener.port_owner(port))
    return problem.message[0].upper() + problem.message[1:] + "."
