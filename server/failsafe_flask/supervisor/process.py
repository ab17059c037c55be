"""One app process as the supervisor sees it, spawned or forked: what it says, and how
its whole process group is ended."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional, Protocol

from ..protocol import Command, Event, Malformed, decode_event, encode
from .lines import read_fd_lines
from .spawn import SIGKILL

OnLine = Callable[[str, str], None]  # (stream, line)
OnEvent = Callable[[Event], None]
Note = Callable[[str], None]  # one line for the user, from the supervisor itself


@dataclass(frozen=True)
class Hooks:
    """Where what an app process says goes: its output lines, its events, our notes."""

    on_line: OnLine
    on_event: OnEvent
    note: Note

    def with_event(self, on_event: OnEvent) -> Hooks:
        return Hooks(self.on_line, on_event, self.note)


class ProcessLike(Protocol):
    """What the supervisor uses of ``asyncio.subprocess.Process``."""

    @property
    def pid(self) -> int: ...
    @property
    def returncode(self) -> Optional[int]: ...
    async def wait(self) -> int: ...


@dataclass
class AppProcess:
    proc: ProcessLike
    lifeline: int  # our write end; closing it (or our death) ends the app's group
    note: Note
    tasks: list[asyncio.Task[None]] = field(default_factory=list)  # stdout, stderr, events
    stopping: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid  # the leader of its own process group

    async def stop(self, grace: float) -> None:
        """TERM the whole group, KILL it after the grace period, then reap."""
        self.stopping = True
        signal_group(self.pid, signal.SIGTERM, alive=self.proc.returncode is None)
        try:
            await asyncio.wait_for(self.proc.wait(), grace)
        except asyncio.TimeoutError:
            self.note(
                f" * The app process {self.pid} did not stop within {grace:g} s of SIGTERM;"
                " killing it."
            )
            signal_group(self.pid, SIGKILL, alive=self.proc.returncode is None)
            await self.proc.wait()
        # Grandchildren the app started may outlive its leader; they share its group.
        signal_group(self.pid, SIGKILL)
        self.close()
        # Let the readers drain what the process wrote before it died.
        await asyncio.wait(self.tasks, timeout=1.0)

    def send(self, command: Command) -> None:
        """A command for the open pages, on the lifeline. Never blocks: should the app
        not read (stopped in a debugger) until the pipe is full, the command is dropped."""
        if self.lifeline < 0:
            return
        with contextlib.suppress(OSError):  # BlockingIOError, or the app is gone
            os.set_blocking(self.lifeline, False)
            os.write(self.lifeline, encode(command))

    def close(self) -> None:
        # Once only: a second close could hit a number the next app's lifeline reuses.
        lifeline, self.lifeline = self.lifeline, -1
        if lifeline >= 0:
            with contextlib.suppress(OSError):
                os.close(lifeline)


def signal_group(pid: int, sig: int, alive: bool = False) -> None:
    """Signal the app's group (its leader: pgid == pid).

    When there is no such group, and the process is known to be alive (not yet reaped,
    so its pid cannot belong to anyone else), signal the process alone: a fork from the
    preloader that has not called setsid() yet, or Windows, which has no groups.
    """
    if hasattr(os, "killpg"):
        try:
            os.killpg(pid, sig)
            return
        except ProcessLookupError:
            pass
        except PermissionError:
            return
    if alive:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.kill(pid, sig)


def pipe_readers(
    out: int, err: int, events: asyncio.Task[None], hooks: Hooks
) -> list[asyncio.Task[None]]:
    """An app process's tasks: readers of its stdout, stderr (fds they own) and events."""
    return [
        asyncio.create_task(read_fd_lines(out, lambda line: hooks.on_line("stdout", line))),
        asyncio.create_task(read_fd_lines(err, lambda line: hooks.on_line("stderr", line))),
        events,
    ]


async def read_events(fd: int, hooks: Hooks) -> None:
    """Decode each line of the event pipe once, here; one that does not decode, or that
    its handler fails on, is said and skipped: nothing the app writes stops this reader."""

    def on_line(line: str) -> None:
        event = decode_event(line)
        if isinstance(event, Malformed):
            hooks.note(f" * Ignored a malformed message from the app process: {event.describe()}")
            return
        try:
            hooks.on_event(event)
        except Exception as exc:  # well-typed yet absurd (a line -5): said, and read on
            hooks.note(
                f" * Could not handle a {event.KIND} message from the app process:"
                f" {type(exc).__name__}: {exc}"
            )

    await read_fd_lines(fd, on_line)
