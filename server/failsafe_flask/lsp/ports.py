"""Two apps of one workspace configured on the same port.

The second would only meet the OS's "address already in use", which names neither the
other app nor a way out; instead its start is refused with one sentence that names the
app holding the port and the next free port, and ``data`` a client can act on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from ..config import AppConfig
from ..supervisor import listener
from .apps import AppSpec

PORT_TAKEN = "portTaken"  # the error data's reason


def next_free_port(host: str, after: int, taken: set[int]) -> Optional[int]:
    """The first port above ``after`` that no app claims and the OS lets us bind."""
    for port in range(after + 1, min(after + 200, 65536)):
        if port in taken:
            continue
        try:
            listener.bind(host, port).close()
        except listener.BindError:
            continue
        return port
    return None


def port_conflict(
    spec: AppSpec, config: AppConfig, others: Iterable[tuple[AppSpec, AppConfig]]
) -> Optional[JsonRpcException]:
    """The refusal when another app of ours serves ``config``'s port; None when none does."""
    if config.port == 0:  # the OS chooses: never a clash
        return None
    others = list(others)
    holder = next((other for other, used in others if used.port == config.port), None)
    if holder is None:
        return None
    taken = {used.port for _, used in others}
    free = next_free_port(config.host, config.port, taken)
    where = f"the port of {spec.name!r} in failsafeFlask.apps" if "#" in spec.id else "its port"
    message = (
        f"Port {config.port} is already used by the app {holder.describe()}, so "
        f"{spec.describe()} cannot start there."
    )
    if free is not None:
        message += f" Port {free} is free: set {where} to {free}, or start with port {free}."
    data = {"reason": PORT_TAKEN, "port": config.port, "by": holder.id, "suggestedPort": free}
    return JsonRpcException(message, lsp.LSPErrorCodes.RequestFailed, data)


def port_busy(config: AppConfig) -> bool:
    """Whether ``config``'s port cannot be bound now (another program holds it)."""
    if config.port == 0:
        return False
    try:
        listener.bind(config.host, config.port).close()
    except listener.BindError:
        return True
    return False


def port_data(config: AppConfig, by: Optional[str]) -> dict[str, Any]:
    """A refusal's ``data`` for a port held by ``by`` (an app id; None: another program)."""
    free = next_free_port(config.host, config.port, set())
    return {"reason": PORT_TAKEN, "port": config.port, "by": by, "suggestedPort": free}
