"""The listening socket the supervisor binds once and hands to every app process.

Holding it here is what keeps the port open between restarts: a request sent while no
app process runs waits in the backlog and is accepted by the next one.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Optional

from ..config import AppConfig
from ..protocol import is_unspecified

# Windows may say WSAEADDRINUSE, a name errno has on Windows only.
_ADDRESS_IN_USE = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)}


class BindError(Exception):
    """The port cannot be had; str() is one line for the user."""


def bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise BindError(f"Cannot use host {host!r}: {exc.strerror}.") from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # Werkzeug does the same: a restart must not wait for TIME_WAIT to expire.
        if hasattr(socket, "SO_REUSEADDR") and os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise BindError(_explain(host, port, exc)) from exc
    return sock


def bound_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def with_bound_port(config: AppConfig, sock: socket.socket) -> AppConfig:
    """A port of 0 (the OS chooses) replaced by the one bound: the URL must say which."""
    return replace(config, port=bound_port(sock)) if config.port == 0 else config


def listens_everywhere(sock: socket.socket) -> bool:
    """Whether the socket took every interface, whatever spelling of the host got it
    there (``0``, ``0x0``, ``000.000.000.000``, ``::0``)."""
    address = ipaddress.ip_address(str(sock.getsockname()[0]).split("%")[0])
    return is_unspecified(address)


def _explain(host: str, port: int, exc: OSError) -> str:
    if exc.errno in _ADDRESS_IN_USE:
        owner = port_owner(port)
        by = f" by {owner}" if owner else ""
        return (
            f"Port {port} on {host} is already in use{by}. Stop that server or choose "
            "another port (--port, or the failsafeFlask.port setting)."
        )
    if exc.errno == errno.EACCES:
        return f"Permission denied to listen on {host}:{port}: ports below 1024 need root."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"Cannot listen on {host}:{port}: this machine has no such address."
    return f"Cannot listen on {host}:{port}: {exc.strerror or exc}."


def port_owner(port: int) -> Optional[str]:
    """Best effort "pid 123 (python3)" for whoever listens on the port."""
    return _owner_from_proc(port) or _owner_from_lsof(port)


def _owner_from_proc(port: int) -> Optional[str]:
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                if os.readlink(fd) in inodes:
                    pid = fd_dir.parent.name
                    name = (fd_dir.parent / "comm").read_text().strip()
                    return f"pid {pid} ({name})"
        except OSError:
            continue
    return None


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{inode}]")
    return inodes


def _owner_from_lsof(port: int) -> Optional[str]:
    try:
        out = subprocess.run(
            ["lsof", "-nP", f"-iTCP:{port}", "-sTCP:LISTEN", "-Fpc"],
            capture_output=True,
            text=True,
            timeout=2,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    fields = {line[0]: line[1:] for line in out.splitlines() if line}
    if "p" not in fields:
        return None
    return f"pid {fields['p']} ({fields.get('c', '?')})"
