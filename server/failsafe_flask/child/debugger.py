"""Let a debugger attach to this app process, as ``python -m debugpy --listen`` does.

Called in each app process before the app is loaded (so breakpoints at import time of
the project's modules work), never in the preloader: debugpy starts threads, and the
preloader must stay single-threaded to fork safely (it may import debugpy's modules,
which start none, so that a fork does not pay for the import).

The debug adapter runs inside this process (pydevd speaks the Debug Adapter Protocol
itself): no adapter process to start per restart, and the listening port belongs to this
process alone. The retiring process closes it as soon as it is told to stop
(``release``), so its successor binds the same port at once, and says ``terminated`` to
its client when it ends (``end``), which is the client's cue to re-attach. The debugger
never stops the app from serving: when debugpy is missing or the port stays taken, one
line says so and the app runs without it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any, Optional

from failsafe_flask.child.debugport import port_problem, taken_message

# How long a new app process waits for the port its predecessor is giving up: that one
# closes it on SIGTERM, so this only matters when it is slow to see the signal.
PORT_WAIT = 5.0
BIND_WAIT = 5.0  # pydevd binds in a thread of its own; an idle machine takes a few ms
END_WAIT = 0.5  # for the ``terminated`` event to leave before the process exits
_POLL = 0.01
# debugpy's modules worth importing before a fork (see the preloader).
PRELOAD = ("debugpy", "debugpy.server.api")


def listen(address: tuple[str, int], fallback: Optional[str], wait: bool) -> bool:
    """Listen for a debugger on ``address``; with ``wait``, until one attaches.

    ``fallback``: a folder holding only ``debugpy``, used when the app's interpreter
    has no debugpy of its own. Returns whether the debugger is listening.
    """
    debugpy = import_debugpy(fallback)
    if debugpy is None:
        _say("debugpy is not installed in the app's interpreter: running without debugger")
        return False
    host, port = address
    problem = _wait_until_free(host, port, time.monotonic() + PORT_WAIT)
    if problem is None:
        problem = _listen(debugpy, host, port)
    if problem is not None:
        _say(problem)
        return False
    if wait:
        debugpy.wait_for_client()
    return True


def _listen(debugpy: ModuleType, host: str, port: int) -> Optional[str]:
    """None once the port is bound, else one line saying why not."""
    # pydevd's own server binds IPv4 only; for an IPv6 address, debugpy's adapter process.
    in_process = ":" not in host
    _no_environment_report()
    try:
        debugpy.listen((host, port), in_process_debug_adapter=in_process)
    except RuntimeError as exc:  # another process took it between our check and its bind
        return f"the debugger cannot listen on {host}:{port} ({exc}): running without it"
    if in_process and not _bound(time.monotonic() + BIND_WAIT):
        return taken_message(host, port)
    _never_trace_ours()
    return None


def _never_trace_ours() -> None:
    """Keep pydevd out of our own frames, as debugpy keeps it out of its own: no
    breakpoint belongs there, and a thread that pauses all threads must not pause the
    loop that hears SIGTERM (the next app process would wait for the debug port until
    this one is killed), nor step the user into our middleware."""
    py_db = _debugger()
    api = sys.modules.get("_pydevd_bundle.pydevd_api")
    current = getattr(py_db, "dont_trace_external_files", None)
    if api is None or current is None:
        return
    ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    start = (*getattr(current, "start_patterns", ()), ours)
    end = tuple(getattr(current, "end_patterns", ()))
    api.PyDevdAPI().set_dont_trace_start_end_patterns(py_db, start, end)


def _no_environment_report() -> None:
    """debugpy's first listen() describes the environment, every installed
    distribution's metadata read (about 70 ms for this project's 64, more in a big venv),
    for a log file it writes only when DEBUGPY_LOG_DIR is set: skip it when it is not."""
    api = sys.modules.get("debugpy.server.api")
    log = sys.modules.get("debugpy.common.log")
    ensure = getattr(api, "ensure_logging", None)
    if ensure is not None and getattr(log, "log_dir", "") is None:
        ensure.ensured = True  # what ensure_logging() itself sets after its first run


def _wait_until_free(host: str, port: int, deadline: float) -> Optional[str]:
    """None once ``host:port`` can be bound as pydevd binds it, else why not (when the
    deadline passes, or at once for an error that waiting cannot cure)."""
    while True:
        problem = port_problem(host, port)
        if problem is None:
            return None
        if problem.permanent or time.monotonic() >= deadline:
            return problem.message
        time.sleep(_POLL)


def _bound(deadline: float) -> bool:
    """Whether pydevd's listening thread has bound the port (it dies if it cannot)."""
    py_db = _debugger()
    ready = getattr(py_db, "_server_socket_ready_event", None)
    thread = getattr(py_db, "_waiting_for_connection_thread", None)
    if ready is None or thread is None:  # another debugpy than the one this was built on
        return True
    while not ready.wait(_POLL):
        if not thread.is_alive() or time.monotonic() >= deadline:
            return False
    return True


@contextlib.contextmanager
def untraced() -> Iterator[None]:
    """Without pydevd's trace function in this thread meanwhile (when it is on): for our
    own code, where no breakpoint can be. Threads started meanwhile are traced."""
    switch = getattr(sys.modules.get("debugpy"), "trace_this_thread", None)
    if switch is None or _debugger() is None:
        yield
        return
    switch(False)
    try:
        yield
    finally:
        switch(True)


def release() -> None:
    """Stop listening (the process is retiring): the next app process may bind the port.

    A shutdown, not only a close: pydevd's thread sits in accept(), which keeps the
    socket (and the port) alive after a mere close until a client connects. An attached
    client stays attached: it may still step through the requests being finished."""
    thread = getattr(_debugger(), "_waiting_for_connection_thread", None)
    listener = getattr(thread, "_server_socket", None)
    if isinstance(listener, socket.socket):
        thread._server_socket = None  # type: ignore[union-attr]  # its loop ends on None
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()


def end() -> None:
    """Tell the attached client, if any, that this process is done (``terminated``)."""
    writer = getattr(_debugger(), "writer", None)
    kill = getattr(writer, "do_kill_pydev_thread", None)
    if kill is None or not getattr(writer, "sock", None):
        return
    with contextlib.suppress(Exception):
        kill()  # queues the terminated event, then shuts the connection down
        writer.join(END_WAIT)  # type: ignore[union-attr]


def _debugger() -> Any:
    """pydevd's debugger object when this process listens for a debugger, else None."""
    pydevd = sys.modules.get("pydevd")
    get = getattr(pydevd, "get_global_debugger", None)
    return get() if get is not None else None


def import_debugpy(fallback: Optional[str], *modules: str) -> Optional[ModuleType]:
    """debugpy (and ``modules`` of it), from the app's interpreter or else ``fallback``."""
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
    for name in modules:
        __import__(name)
    module: ModuleType = debugpy  # untyped where it is not installed here
    return module


def without_debugger(packages: list[str]) -> list[str]:
    """The app's third-party packages but the debugger's own (debugpy and the pydevd it
    vendors): they are preloaded in debug mode only (see ``PRELOAD``), not as the app's."""
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
