"""Die with the supervisor: EOF on the lifeline pipe kills this whole process group.

The same pipe carries the supervisor's commands (``protocol.Command``, one JSON line
each) for the open pages: they go to ``on_command``; a line that is no command is
said on stderr and skipped.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Optional

from failsafe_flask.protocol import ENV_LIFELINE_FD, Command, Malformed, decode_command

OnCommand = Callable[[Command], None]


def watch_lifeline_from_env(on_command: OnCommand) -> Optional[threading.Thread]:
    """Start the watcher when the supervisor passed a lifeline (not in a manual run)."""
    value = os.environ.get(ENV_LIFELINE_FD)
    return watch_lifeline(int(value), on_command) if value else None


def watch_lifeline(fd: int, on_command: OnCommand) -> threading.Thread:
    # Not inherited by the app's subprocesses: they die through the process group instead.
    os.set_inheritable(fd, False)
    thread = threading.Thread(
        target=_wait_then_kill,
        args=(fd, on_command),
        name="failsafe-flask-lifeline",
        daemon=True,
    )
    thread.start()
    return thread


def _wait_then_kill(fd: int, on_command: OnCommand) -> None:
    # Only the supervisor holds the write end, so EOF means it exited or was SIGKILLed;
    # a pipe needs no polling and works whatever killed the supervisor.
    pending = b""
    try:
        while True:
            data = os.read(fd, 4096)
            if not data:
                break
            *lines, pending = (pending + data).split(b"\n")
            for line in lines:
                _dispatch(line, on_command)
    except OSError:
        pass
    kill_own_group()


def _dispatch(line: bytes, on_command: OnCommand) -> None:
    command = decode_command(line.decode("utf-8", errors="replace"))
    if isinstance(command, Malformed):
        sys.stderr.write(f"failsafe-flask: ignored a malformed command: {command.describe()}\n")
        return
    try:
        on_command(command)
    except Exception as exc:  # the lifeline must outlive any handler
        sys.stderr.write(f"failsafe-flask: live reload failed: {type(exc).__name__}: {exc}\n")


def kill_own_group() -> None:
    """SIGKILL the group this process leads (grandchildren too), else just this process."""
    killpg = getattr(os, "killpg", None)
    sigkill = getattr(signal, "SIGKILL", None)
    if killpg is not None and sigkill is not None and os.getpgrp() == os.getpid():
        killpg(os.getpgrp(), sigkill)
    # Not a group leader (a manual run inside a shell's group): never kill the shell's group.
    os._exit(1)
