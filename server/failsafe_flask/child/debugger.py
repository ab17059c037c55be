"""Let a debugger attach to this app process, as ``python -m debugpy --listen`` does.

Called in each app process before the app is loaded (so breakpoints at import time of
the project's modules work), never in the preloader: debugpy starts threads, and the
preloader must stay single-threaded to fork safely.

debugpy's adapter (a process of its own, which debugpy daemonizes) holds the listening
port until its client disconnects; the client does that when the retiring app process
has ended (``terminated``). So the new app process waits, for a bounded time, until the
port is free, then listens on it. The debugger never stops the app from serving: when
debugpy is missing or the port stays taken, one line says so and the app runs without it.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import time
from types import ModuleType
from typing import Optional

# How long a new app process waits for the port that its predecessor's adapter holds.
PORT_WAIT = 5.0
_POLL = 0.02


def listen(address: tuple[str, int], fallback: Optional[str], wait: bool) -> bool:
    """Listen for a debugger on ``address``; with ``wait``, until one attaches.

    ``fallback``: a folder holding only ``debugpy``, used when the app's interpreter
    has no debugpy of its own. Returns whether the debugger is listening.
    """
    debugpy = _import_debugpy(fallback)
    if debugpy is None:
        _say("debugpy is not installed in the app's interpreter: running without debugger")
        return False
    host, port = address
    deadline = time.monotonic() + PORT_WAIT
    while True:
        problem = _listen_once(debugpy, host, port, deadline)
        if problem is None:
            break
        if time.monotonic() >= deadline:
            _say(f"the debugger cannot listen on {host}:{port} ({problem}): running without it")
            return False
        time.sleep(_POLL)
    if wait:
        debugpy.wait_for_client()
    return True


def _listen_once(debugpy: ModuleType, host: str, port: int, deadline: float) -> Optional[str]:
    """None once listening, else why not (yet)."""
    if not _wait_until_free(host, port, deadline):
        return os.strerror(errno.EADDRINUSE)
    try:
        debugpy.listen((host, port))
    except RuntimeError as exc:  # another process took it between our check and its bind
        return str(exc)
    return None


def _wait_until_free(host: str, port: int, deadline: float) -> bool:
    """Poll by binding as the adapter does (SO_REUSEADDR): cheaper than starting an
    adapter process per try."""
    while True:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
                return True
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or time.monotonic() >= deadline:
                    return exc.errno != errno.EADDRINUSE  # another error: let debugpy say
        time.sleep(_POLL)


def _import_debugpy(fallback: Optional[str]) -> Optional[ModuleType]:
    # Breakpoints in the standard library's frozen modules are not what is debugged
    # here; without this, every app process would print pydevd's warning about them.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    try:
        import debugpy  # the user's own, when their interpreter has it
    except ImportError:
        if not fallback:
            return None
        sys.path.append(fallback)  # last: never shadows one of the app's own packages
        try:
            import debugpy
        except ImportError:
            return None
    module: ModuleType = debugpy  # untyped where it is not installed here
    return module


def without_debugger(packages: list[str]) -> list[str]:
    """The app's third-party packages but the debugger's own (debugpy and the pydevd it
    vendors): the preloader, which imports what the app imports, must never import them."""
    debugpy = sys.modules.get("debugpy")
    home = getattr(debugpy, "__file__", None)
    if not isinstance(home, str):
        return packages
    home = os.path.dirname(os.path.realpath(home)) + os.sep

    def is_debugger(name: str) -> bool:
        file = getattr(sys.modules.get(name), "__file__", None)
        return isinstance(file, str) and os.path.realpath(file).startswith(home)

    return [name for name in packages if not is_debugger(name)]


def _say(text: str) -> None:
    print(f" * Debugger: {text}", file=sys.stderr, flush=True)
