"""The private channel between an app process and its supervisor.

The app process writes one JSON object a line on an inherited pipe (fd number in
``FAILSAFE_FLASK_EVENT_FD``). This module only names the shapes and the environment
variables; it imports nothing but the standard library because the app process
(``failsafe_flask.child``) imports it inside the user's interpreter (Python 3.9+).

Columns are 0-based indexes into the line as a Python ``str`` (code points), already
converted from the UTF-8 byte offsets that ``co_positions`` gives; the line's text is
carried along so a consumer can convert to UTF-16 (LSP) without reading the file.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Optional, TypedDict, Union

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

# Environment variables the supervisor sets for the app process.
ENV_EVENT_FD = "FAILSAFE_FLASK_EVENT_FD"  # write end of the event pipe
ENV_LIFELINE_FD = "FAILSAFE_FLASK_LIFELINE_FD"  # read end; EOF means the supervisor died
ENV_SERVER_FD = "WERKZEUG_SERVER_FD"  # the listening socket, as Werkzeug's reloader passes it
ENV_PROJECT_ROOT = "FAILSAFE_FLASK_PROJECT_ROOT"
ENV_LOAD_TIMEOUT = "FAILSAFE_FLASK_LOAD_TIMEOUT"  # seconds before a stuck load is reported

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


class LoadingEvent(TypedDict):
    event: str  # "loading"
    pid: int
    app: str  # the app spec being loaded ("" for discovery)


class ReadyEvent(TypedDict):
    event: str  # "ready"
    pid: int
    url: str
    files: list[str]  # project files the app imported
    packages: list[str]  # top-level names of third-party modules imported (for preloading)


class LoadErrorEvent(TypedDict):
    event: str  # "load_error"
    pid: int
    error: ExceptionInfo
    files: list[str]  # project files imported before the error
    entry: str  # the app's entry file when known, else ""


class RequestErrorEvent(TypedDict):
    event: str  # "request_error"
    pid: int
    method: str
    path: str
    error: ExceptionInfo


EVENT_LOADING = "loading"
EVENT_READY = "ready"
EVENT_LOAD_ERROR = "load_error"
EVENT_REQUEST_ERROR = "request_error"


def display_url(host: str, port: int) -> str:
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
    return f"http://{shown}:{port}/"


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
