"""What the supervisor tells its front ends. Plain data: front ends render it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Optional, Union

from ..protocol import ExceptionInfo


class State(str, Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"
    RESTARTING = "restarting"


@dataclass(frozen=True)
class Status:
    state: State = State.STOPPED
    url: Optional[str] = None
    pid: Optional[int] = None
    restarts: int = 0
    last_restart_ms: Optional[float] = None  # change seen -> app ready (or failed)
    errors: int = 0  # load error (0/1) + request errors since the last (re)start
    message: str = ""  # one short line for a status bar
    app: str = ""  # the app that runs, as named (--app form) or discovered ("app.py")


@dataclass(frozen=True)
class StatusChanged:
    status: Status


NOTE = "note"  # the stream of the supervisor's own lines (warnings, fallbacks)


@dataclass(frozen=True)
class AppOutput:
    stream: str  # "stdout" | "stderr" | NOTE
    line: str  # without the trailing newline


@dataclass(frozen=True)
class AppReady:
    url: str
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AppLoadError:
    error: ExceptionInfo
    files: list[str] = field(default_factory=list)
    entry: str = ""  # the app's entry file when known


@dataclass(frozen=True)
class AppRequestError:
    method: str
    path: str
    error: ExceptionInfo


@dataclass(frozen=True)
class AppExited:
    """The app process ended without being asked to (crash, os._exit, signal)."""

    returncode: int
    message: str


@dataclass(frozen=True)
class LaunchFailed:
    """No app process could be started (missing interpreter or folder, a bad setting)."""

    message: str


SupervisorEvent = Union[
    StatusChanged, AppOutput, AppReady, AppLoadError, AppRequestError, AppExited, LaunchFailed
]
