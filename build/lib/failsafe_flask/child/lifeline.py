"""Die with the supervisor: EOF on the lifeline pipe kills this whole process group."""

from __future__ import annotations

import os
import signal
import threading
from typing import Optional

from failsafe_flask.protocol import ENV_LIFELINE_FD


def watch_lifeline_from_env() -> Optional[threading.Thread]:
    """Start the watcher when the supervisor passed a lifeline (not in a manual run)."""
    value = os.environ.get(ENV_LIFELINE_FD)
    return watch_lifeline(int(value)) if value else None


def watch_lifeline(fd: int) -> threading.Thread:
    # Not inherited by the app's subprocesses: they die through the process group instead.
    os.set_inheritable(fd, False)
    thread = threading.Thread(
        target=_wait_then_kill, args=(fd,), name="failsafe-flask-lifeline", daemon=True
    )
    thread.start()
    return thread


def _wait_then_kill(fd: int) -> None:
    # Only the supervisor holds the write end, so EOF means it exited or was SIGKILLed;
    # a pipe needs no polling and works whatever killed the supervisor.
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass
    kill_own_group()


def kill_own_group() -> None:
    """SIGKILL the group this process leads (grandchildren too), else just this process."""
    killpg = getattr(os, "killpg", None)
    sigkill = getattr(signal, "SIGKILL", None)
    if killpg is not None and sigkill is not None and os.getpgrp() == os.getpid():
        killpg(os.getpgrp(), sigkill)
    # Not a group leader (a manual run inside a shell's group): never kill the shell's group.
    os._exit(1)
