"""Whether the debug port can be had, and one sentence when it cannot.

Shared by the app process (before it listens) and the supervisor (before it starts an
app whose debug port another program holds): standard library only.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from typing import Optional

# Windows may say WSAEADDRINUSE, a name errno has on Windows only.
_IN_USE = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)}
HOW_TO_CHOOSE = "--debugpy HOST:PORT, or the failsafeFlask.debugpy setting"


@dataclass(frozen=True)
class PortProblem:
    message: str  # one line for the user
    permanent: bool  # waiting cannot cure it (only a port in use may be freed)


def taken_message(host: str, port: int, owner: Optional[str] = None) -> str:
    by = f"by {owner}" if owner else "by another program"
    return (
        f"the debug port {port} on {host} is in use {by}: stop that program or choose"
        f" another debug port ({HOW_TO_CHOOSE}); 0 picks a free one"
    )


def explain(host: str, port: int, error: Optional[int], owner: Optional[str] = None) -> PortProblem:
    """What a failed bind of the debug port means for the user (pure)."""
    if error in _IN_USE:
        return PortProblem(taken_message(host, port, owner), permanent=False)
    if error == errno.EACCES:
        return PortProblem(
            f"permission denied to listen for a debugger on {host}:{port}: ports below"
            f" 1024 need root ({HOW_TO_CHOOSE})",
            permanent=True,
        )
    if error == errno.EADDRNOTAVAIL:
        return PortProblem(
            f"cannot listen for a debugger on {host}:{port}: this machine has no such address",
            permanent=True,
        )
    reason = f"error {error}" if error is not None else "unknown error"
    return PortProblem(f"cannot listen for a debugger on {host}:{port} ({reason})", True)


def port_problem(host: str, port: int) -> Optional[PortProblem]:
    """None when ``host:port`` can be bound as debugpy binds it (SO_REUSEADDR: a port
    whose last connections are closing is free), else why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if hasattr(socket, "SO_REUSEADDR"):
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return explain(host, port, exc.errno)
    return None
