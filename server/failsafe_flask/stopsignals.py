"""Ctrl+C and SIGTERM while ``failsafe-flask run`` starts: held, never lost, never a traceback.

Python's own SIGINT handler raises KeyboardInterrupt wherever the main thread is: inside an
import it prints a traceback, inside a callback it is "ignored" and the stop is lost. So the
terminal front end holds both signals (blocked, they stay pending) from the moment it parses
its arguments until its event loop has handlers for them, then lets them through.
"""

from __future__ import annotations

import signal

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def hold() -> None:
    if hasattr(signal, "pthread_sigmask"):  # POSIX; elsewhere KeyboardInterrupt as before
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def release() -> None:
    """Let them through (a pending one is handled now). A process started before this
    inherits the blocked mask: the first app process (``supervisor.headstart``)
    unblocks them itself; any other is started after this."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
