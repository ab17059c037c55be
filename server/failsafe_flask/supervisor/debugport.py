"""The debugger's address: one port for the app's whole life, whatever its restarts."""

from __future__ import annotations

import dataclasses
import socket
from typing import Optional

from ..config import AppConfig


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
