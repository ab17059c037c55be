"""Start an app process in a new interpreter: the way that works everywhere.

Plain ``subprocess`` and no event loop, so that ``failsafe-flask run`` can start its
first app process before importing asyncio (``headstart``); ``adopt`` puts a started
process on the event loop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from dataclasses import dataclass

from .. import protocol
from .launch import LaunchPlan

SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL


@dataclass
class Started:
    """A spawned app process and the supervisor's ends of its four pipes."""

    popen: subprocess.Popen[bytes]
    events: int  # read: the protocol's events
    lifeline: int  # write: commands; closing it (or our death) ends the app
    stdout: int  # read
    stderr: int  # read

    def discard(self) -> None:
        """Never adopted: end its group and reap it; its pipes are closed. Once: a
        second close could hit a number that another pipe reuses."""
        if self.popen.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, SIGKILL)
            self.popen.wait()
        fds, (self.events, self.lifeline, self.stdout, self.stderr) = self._fds(), (-1,) * 4
        for fd in fds:
            if fd >= 0:
                os.close(fd)

    def _fds(self) -> tuple[int, int, int, int]:
        return (self.events, self.lifeline, self.stdout, self.stderr)


def start(plan: LaunchPlan, sock: socket.socket) -> Started:
    (event_r, event_w), (life_r, life_w) = os.pipe(), os.pipe()
    (out_r, out_w), (err_r, err_w) = os.pipe(), os.pipe()
    ours, theirs = (event_r, life_w, out_r, err_r), (event_w, life_r, out_w, err_w)
    fds = {
        protocol.ENV_EVENT_FD: event_w,
        protocol.ENV_LIFELINE_FD: life_r,
        protocol.ENV_SERVER_FD: sock.fileno(),
    }
    try:
        popen = subprocess.Popen(
            plan.command(),
            cwd=plan.cwd,
            env=plan.env_with(fds),
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            pass_fds=tuple(fds.values()),
            start_new_session=True,  # its own group, so a stop reaches its children too
        )
    except BaseException:
        for fd in ours:
            os.close(fd)
        raise
    finally:
        # Only the child holds these ends now: its death gives us EOF on events,
        # and ours gives it EOF on the lifeline.
        for fd in theirs:
            os.close(fd)
    return Started(popen, event_r, life_w, out_r, err_r)
