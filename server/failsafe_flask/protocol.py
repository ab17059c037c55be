"""The private channels of failsafe-flask: every message on them, typed once.

Three channels, one JSON object a line each:

- the app channel: the app process writes events on an inherited pipe (fd number in
  ``FAILSAFE_FLASK_EVENT_FD``) for the supervisor: ``Loading``, ``Ready``, ``LoadError``,
  ``RequestError``, ``Imports`` (what imported what), tagged ``"event"``;
- the command channel: the supervisor writes ``ReloadPage`` and ``SwapStyles`` (tagged
  ``"command"``) on the lifeline pipe (fd number in ``FAILSAFE_FLASK_LIFELINE_FD``), the
  one pipe it already has towards the app process: its EOF still means "the supervisor
  is gone"; the app process hands each command to the open pages (live reload);
- the preloader's channel: the supervisor sends ``ForkRequest`` and ``LayerRequest``
  lines (tagged ``"request"``) on a Unix socket, the preloader answers ``PreloadReady``,
  ``Forked``, ``ForkFailed`` and ``Exited`` (tagged ``"reply"``) on a pipe. A layer (a
  fork of the preloader) has a socket and a pipe of its own, the same channel: it answers
  ``LayerReady`` first, then serves ``ForkRequest`` lines as the preloader does.

Writers build these dataclasses and send ``to_wire(message)``; readers get them back from
``decode_event`` / ``decode_command`` / ``decode_reply`` / ``decode_request``, which check
every field against the same class and never raise: a line that does not fit is a
``Malformed`` value.

Standard library only: the app process and the preloader import this module inside the
user's interpreter (Python 3.9+).

Columns are 0-based indexes into the line as a Python ``str`` (code points), already
converted from the UTF-8 byte offsets that ``co_positions`` gives; the line's text is
carried along so a consumer can convert to UTF-16 (LSP) without reading the file.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Optional, TypedDict, TypeVar, Union

from failsafe_flask.wire import Invalid, check

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

# Environment variables the supervisor sets for the app process.
ENV_EVENT_FD = "FAILSAFE_FLASK_EVENT_FD"  # write end of the event pipe
# The read end; EOF means the supervisor died. It also carries the supervisor's commands.
ENV_LIFELINE_FD = "FAILSAFE_FLASK_LIFELINE_FD"
ENV_SERVER_FD = "WERKZEUG_SERVER_FD"  # the listening socket, as Werkzeug's reloader passes it
ENV_PROJECT_ROOT = "FAILSAFE_FLASK_PROJECT_ROOT"

# ... and for the preloader: its request socket and its reply pipe.
ENV_REQUEST_FD = "FAILSAFE_FLASK_PRELOAD_REQUEST_FD"
ENV_REPLY_FD = "FAILSAFE_FLASK_PRELOAD_REPLY_FD"
# The fds a fork request carries by SCM_RIGHTS, in this order.
FORK_FDS = ("server", "event", "lifeline", "stdout", "stderr")
# ... and a layer request: the layer's own request socket and reply pipe (write end).
LAYER_FDS = ("request", "reply")

SHOWN_CHARS = 200  # of a malformed line, in a log

# The app process's exit code when its event pipe is no longer the pipe it was given
# (the app closed it, maybe reused its number): it says so on stderr first.
EXIT_CHANNEL_LOST = 117
CHANNEL_LOST_NOTE = (
    "failsafe-flask: the app closed its channel to the supervisor (file descriptor {fd});"
    " nothing more can be reported. Does it close file descriptors it did not open"
    " (os.closerange)?"
)


class Frame(TypedDict):
    file: str  # absolute path (or a pseudo name such as "<string>")
    line: int  # 1-based
    end_line: Optional[int]  # 1-based, None when unknown
    col: Optional[int]  # 0-based code-point column, None when unknown (Python < 3.11)
    end_col: Optional[int]
    function: str
    text: str  # the source line, "" when unknown
    project: bool  # under the project root and not in site-packages / a virtualenv


class SyntaxInfo(TypedDict):
    file: str
    line: int  # 1-based
    col: Optional[int]  # 0-based code-point column
    end_line: Optional[int]
    end_col: Optional[int]  # 0-based, exclusive
    text: str  # the offending line


class ExceptionInfo(TypedDict):
    type: str  # qualified name, e.g. "NameError", "jinja2.exceptions.TemplateNotFound"
    message: str  # str(exc), capped
    frames: list[Frame]  # outermost first, as in a printed traceback
    syntax: Optional[SyntaxInfo]  # for SyntaxError and subclasses
    paths: list[str]  # files the error names besides frames (OSError.filename, ...)
    cause: Optional[ExceptionInfo]  # __cause__ ("The above exception was the direct cause")
    context: Optional[ExceptionInfo]  # __context__ when not suppressed


# -- the app channel: app process -> supervisor -------------------------------------


@dataclass(frozen=True)
class Loading:
    KIND: ClassVar[str] = "loading"
    pid: int
    app: str  # the app spec being loaded ("" for discovery)


@dataclass(frozen=True)
class Ready:
    KIND: ClassVar[str] = "ready"
    pid: int
    url: str
    files: list[str]  # project files the app imported
    packages: list[str]  # top-level names of third-party modules imported (for preloading)


@dataclass(frozen=True)
class LoadError:
    KIND: ClassVar[str] = "load_error"
    pid: int
    error: ExceptionInfo
    files: list[str]  # project files imported before the error
    entry: str  # the app's entry file when known, else ""


@dataclass(frozen=True)
class RequestError:
    KIND: ClassVar[str] = "request_error"
    pid: int
    method: str
    path: str
    error: ExceptionInfo


@dataclass(frozen=True)
class RequestStarted:
    """A request line was read and is being served: should the process die before
    ``RequestEnded``, the supervisor can say which request it was serving."""

    KIND: ClassVar[str] = "request_started"
    pid: int
    id: int  # unique among this process's requests in flight
    method: str
    path: str  # as on the request line, capped


@dataclass(frozen=True)
class RequestEnded:
    KIND: ClassVar[str] = "request_ended"
    pid: int
    id: int


# ``ImportedModule.never`` of the module holding the app object (the log does not name it:
# keeping it could never be asked for).
HOLDS_APP = "it holds the app object"


class ImportedModule(TypedDict):
    """A project module as its import went (``child.imports``)."""

    name: str
    file: str
    start: int  # when its body started, then ended: one sequence for all modules
    end: int
    imports: list[str]  # project modules its body imported (also ones already imported)
    files: list[str]  # project files (not sources) its body opened: a config file
    never: str  # why it may never be kept ("it starts a thread"), else ""
    stamps: list[tuple[str, Optional[int]]]  # its file and ``files``, with their mtimes then
    seconds: float  # its body's own run, without the project modules it imported
    # Its globals bound when its body ended and rebound since (a later body's
    # ``counter.TOTAL += 1``): a module that imports one of them is not inert (``inert``).
    rebound: list[str]


@dataclass(frozen=True)
class Imports:
    """After ``Ready``: the project's imports, for incremental restarts."""

    KIND: ClassVar[str] = "imports"
    pid: int
    modules: list[ImportedModule]  # in start order
    environ: dict[str, str]  # the environment the first project module saw
    path: list[str]  # sys.path then


Event = Union[Loading, Ready, LoadError, RequestError, RequestStarted, RequestEnded, Imports]
EVENTS: tuple[type[Event], ...] = (
    Loading,
    Ready,
    LoadError,
    RequestError,
    RequestStarted,
    RequestEnded,
    Imports,
)


# -- the command channel: supervisor -> app process (live reload) ----------------------


@dataclass(frozen=True)
class ReloadPage:
    """Every open page reloads: a template changed (Flask re-reads it in debug mode)."""

    KIND: ClassVar[str] = "reload"
    reason: str  # "index.html changed"


@dataclass(frozen=True)
class SwapStyles:
    """Every open page refetches its stylesheets in place (no reload)."""

    KIND: ClassVar[str] = "swap_styles"
    names: list[str]  # file names of the changed stylesheets ("site.css")


Command = Union[ReloadPage, SwapStyles]
COMMANDS: tuple[type[Command], ...] = (ReloadPage, SwapStyles)


# -- the preloader's channel ----------------------------------------------------------


@dataclass(frozen=True)
class ForkRequest:
    """Supervisor -> preloader: fork an app process (its fds ride along, ``FORK_FDS``)."""

    KIND: ClassVar[str] = "fork"
    argv: list[str]  # after ``-m failsafe_flask.child``
    env: dict[str, str]
    cwd: str


@dataclass(frozen=True)
class LayerRequest:
    """Supervisor -> a plain preloader: fork a layer (its fds ride along, ``LAYER_FDS``)
    that imports these project modules, in this order, with this environment and
    ``sys.path``; every app process the layer forks then starts with them (an incremental
    restart, ``child.imports_layer``). Answered like a fork: ``Forked``, later ``Exited``."""

    KIND: ClassVar[str] = "layer"
    modules: list[str]  # in the order their bodies started, ``shells`` among them
    shells: list[str]  # packages created without running their body (``keep.Decision``)
    environ: dict[str, str]
    path: list[str]


Request = Union[ForkRequest, LayerRequest]


@dataclass(frozen=True)
class PreloadReady:
    """Preloader -> supervisor, once: its imports are done."""

    KIND: ClassVar[str] = "ready"
    pid: int
    packages: list[str]  # third-party packages it holds
    failed: list[str]  # names whose import failed
    watch: list[tuple[str, Optional[int]]]  # (path, mtime): a change makes it stale
    left_out: list[str]  # asked for, not imported: importing them starts a thread


@dataclass(frozen=True)
class Forked:
    KIND: ClassVar[str] = "forked"
    pid: int


@dataclass(frozen=True)
class ForkFailed:
    KIND: ClassVar[str] = "fork_error"
    error: str


@dataclass(frozen=True)
class Exited:
    """A fork ended; ``code`` as ``subprocess`` gives it (negative: killed by a signal)."""

    KIND: ClassVar[str] = "exited"
    pid: int
    code: int


@dataclass(frozen=True)
class LayerReady:
    """Layer -> supervisor, on the layer's own reply pipe, once: the modules are imported,
    or ``error`` says why not (then it has exited: it forks nothing)."""

    KIND: ClassVar[str] = "layer_ready"
    kept: list[str]
    watch: list[tuple[str, Optional[int]]]  # the kept modules' files: a change makes it stale
    error: str


Reply = Union[PreloadReady, Forked, ForkFailed, Exited, LayerReady]
REPLIES: tuple[type[Reply], ...] = (PreloadReady, Forked, ForkFailed, Exited, LayerReady)

Message = Union[Event, Command, Request, Reply]
_M = TypeVar("_M", bound=Message)
_TAGS: dict[type[Any], str] = {
    **{kind: "event" for kind in EVENTS},
    **{kind: "command" for kind in COMMANDS},
    ForkRequest: "request",
    LayerRequest: "request",
    **{kind: "reply" for kind in REPLIES},
}


@dataclass(frozen=True)
class Malformed:
    """A line that is no message of the channel; never raised, returned."""

    line: str  # the raw line, cut to SHOWN_CHARS
    reason: str

    def describe(self) -> str:
        """One line for a log: why, and the raw line escaped (it may hold anything)."""
        return f"{self.reason}: {json.dumps(self.line, ensure_ascii=False)}"


# -- writing and reading --------------------------------------------------------------


def to_wire(message: Message) -> dict[str, Any]:
    """The JSON object for ``message``: its tag first, then its fields."""
    wire: dict[str, Any] = {_TAGS[type(message)]: message.KIND}
    wire.update((field.name, getattr(message, field.name)) for field in fields(message))
    return wire


def encode(message: Message) -> bytes:
    """``message`` as one JSON line (the app channel shrinks big events: child.events)."""
    return (json.dumps(to_wire(message), separators=(",", ":")) + "\n").encode()


def decode_event(line: str) -> Union[Event, Malformed]:
    return _decode(line, "event", EVENTS)


def decode_command(line: str) -> Union[Command, Malformed]:
    return _decode(line, "command", COMMANDS)


def decode_reply(line: str) -> Union[Reply, Malformed]:
    return _decode(line, "reply", REPLIES)


def decode_request(line: str) -> Union[Request, Malformed]:
    kinds: tuple[type[Request], ...] = (ForkRequest, LayerRequest)
    return _decode(line, "request", kinds)


def _decode(line: str, tag: str, kinds: tuple[type[_M], ...]) -> Union[_M, Malformed]:
    shown = line[:SHOWN_CHARS]
    try:
        data = json.loads(line)
    except ValueError:
        return Malformed(shown, "not JSON")
    except RecursionError:
        return Malformed(shown, "nested too deeply")
    if not isinstance(data, dict):
        return Malformed(shown, "not a JSON object")
    kind = next((cls for cls in kinds if data.get(tag) == cls.KIND), None)
    if kind is None:
        return Malformed(shown, f"unknown {tag} {json.dumps(data.get(tag))[:40]}")
    try:
        message: _M = check(kind, data, kind.KIND)
    except Invalid as exc:
        return Malformed(shown, str(exc))
    except RecursionError:
        return Malformed(shown, "nested too deeply")
    return message


def display_url(host: str, port: int, https: bool = False) -> str:
    """The URL to open: a wildcard address, however spelled (``0``, ``0x0``, ``::0``), is
    not one a browser can visit; its loopback is. A numeric address is written plainly."""
    shown = host
    address = numeric_address(host)
    if address is not None:
        loopback = "::1" if address.version == 6 and not _mapped(address) else "127.0.0.1"
        plain = host if "%" in host else str(address)  # a zone (fe80::1%eth0) stays
        shown = loopback if is_unspecified(address) else plain
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{'https' if https else 'http'}://{shown}:{port}/"


def numeric_address(host: str) -> Optional[IPAddress]:
    """The address ``host`` spells as the C library reads it, without any name lookup;
    None for a host name. ``""`` is every interface, as Werkzeug reads it."""
    try:
        infos = socket.getaddrinfo(
            host or None,
            0,
            type=socket.SOCK_STREAM,
            flags=socket.AI_PASSIVE | socket.AI_NUMERICHOST,
        )
    except (OSError, UnicodeError, ValueError):
        return None
    return ipaddress.ip_address(str(infos[0][4][0]).split("%")[0])


def is_unspecified(address: IPAddress) -> bool:
    """Every interface: ``0.0.0.0``, ``::``, and ``::ffff:0.0.0.0``, the first seen as IPv6."""
    mapped = _mapped(address)
    return address.is_unspecified or (mapped is not None and mapped.is_unspecified)


def _mapped(address: IPAddress) -> Optional[ipaddress.IPv4Address]:
    return address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
