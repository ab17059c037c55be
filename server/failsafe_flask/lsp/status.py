"""Status -> the ``$/failsafeFlask/status`` payload and the matching log line.

The payload is the whole state each time (not a delta), so a client that connects late or
drops one notification still renders the right thing from the last one it saw.
"""

from __future__ import annotations

from typing import Any, Optional

from ..supervisor.events import State, Status
from ..text import printable

STATUS_NOTIFICATION = "$/failsafeFlask/status"

# States during which work-done progress is shown; any other state ends it.
BUSY_STATES = frozenset({State.STARTING, State.RESTARTING})


def status_payload(status: Status) -> dict[str, Any]:
    """{state, url, pid, restarts, lastRestartMs, errors, message, app, debugpy}: camelCase,
    JSON-ready.

    ``app`` names the app that runs (``hello:create_app``, ``app.py``), "" when unknown.
    """
    last: Optional[int] = None
    if status.last_restart_ms is not None:
        last = round(status.last_restart_ms)
    return {
        "state": status.state.value,
        "url": status.url,
        "pid": status.pid,
        "restarts": status.restarts,
        "lastRestartMs": last,
        "errors": status.errors,
        "message": printable(status.message),  # a status bar shows it: one line
        "app": status.app,
        # Where a debugger attaches (debugpy's adapter in each app process), or null.
        "debugpy": _address(status.debugpy),
    }


def _address(address: Optional[tuple[str, int]]) -> Optional[dict[str, Any]]:
    return None if address is None else {"host": address[0], "port": address[1]}


def status_line(status: Status) -> str:
    """One line for window/logMessage: ``Failsafe Flask: `` and ``status_text``."""
    return "Failsafe Flask: " + status_text(status)


def status_text(status: Status) -> str:
    """``running app.py http://127.0.0.1:5000 (pid 42)``: no prefix, for a place that
    names the tool already (a progress titled Failsafe Flask)."""
    parts = [status.state.value]
    if status.app and status.state != State.STOPPED:
        parts.append(status.app)
    if status.url and status.state == State.RUNNING:
        parts.append(status.url)
    if status.pid is not None:
        parts.append(f"(pid {status.pid})")
    if status.last_restart_ms is not None and status.state in (State.RUNNING, State.FAILED):
        parts.append(f"in {round(status.last_restart_ms)} ms")
    if status.message:
        parts.append(f"- {status.message}")
    return " ".join(parts)


def app_status_payload(status: Status, app_id: str, name: str, folder: str) -> dict[str, Any]:
    """``status_payload`` naming its app: ``appId`` (the id commands take), ``name`` and
    ``folder`` (the workspace folder's URI), so a client with several apps can tell them apart.
    """
    return {**status_payload(status), "appId": app_id, "name": name, "folder": folder}
