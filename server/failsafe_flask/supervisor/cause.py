"""One true sentence for each way the app stops answering. Pure.

A crash's cause is the app's own last explanation on stderr (the last line of a
traceback, a fatal error line); lacking one, the exit code or signal and the request
that was being served. Werkzeug's access log and startup lines explain nothing: a line
such as ``127.0.0.1 - - [...] "GET / HTTP/1.1" 200 -`` only says a request went well.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Mapping, Sequence
from typing import Optional

from ..protocol import EXIT_CHANNEL_LOST, ExceptionInfo

# Werkzeug's log_request: '<address> - - [<date>] "<request line>" <status> <size>'
_ACCESS_LOG = re.compile(r'^\S+ - - \[[^\]]*\] ".*" \S+ \S+\s*$')
# Werkzeug's own notes (" * Debugger is active!", " * Debugger PIN: ...") and warnings.
_SERVER_NOTE = re.compile(r"^ \* |^WARNING: This is a development server")
_FATAL = re.compile(r"^(Fatal Python error|Segmentation fault|Aborted|Killed)\b")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TRACEBACK = "Traceback (most recent call last):"
_STUCK_PREFIX = "the app did not finish loading in "


def is_noise(line: str) -> bool:
    """A line that says nothing about why the app stopped."""
    return not line.strip() or bool(_ACCESS_LOG.match(line) or _SERVER_NOTE.match(line))


def explanation(tail: Sequence[str]) -> Optional[str]:
    """The app's own last word on stderr: a fatal error line, the exception line that
    ends a traceback, else its last line that is not noise."""
    lines = [line.rstrip() for line in tail if not is_noise(line)]
    fatal = [line for line in lines if _FATAL.match(line)]
    if fatal:
        return fatal[-1]
    if _TRACEBACK in lines:
        after = lines[len(lines) - 1 - lines[::-1].index(_TRACEBACK) :]
        unindented = [line for line in after[1:] if not line[:1].isspace()]
        if unindented:
            return unindented[-1]
    return lines[-1].strip() if lines else None


def how_it_ended(code: int) -> str:
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    text = f"was killed by {name}"
    return text + " (a crash in native code)" if name == "SIGSEGV" else text


def exit_sentence(
    code: int, tail: Sequence[str], in_flight: Sequence[str] = (), loading: bool = False
) -> str:
    """``The app process exited with code 1 while serving GET /crash: ValueError: x``.

    Of the requests in flight, the one started last is named: the one before it may
    have been answered already, its end not yet reported when the process died.
    """
    if code == EXIT_CHANNEL_LOST:  # its own note on stderr tells which descriptor
        return "The app process closed its channel to the supervisor and stopped"
    text = f"The app process {how_it_ended(code)}"
    if in_flight:
        text += f" while serving {in_flight[-1]}"
    elif loading:
        text += " while loading the app"
    why = explanation(tail)
    return f"{text}: {why}" if why else text


def request_text(method: str, path: str) -> str:
    """``GET /path``, safe to print anywhere."""
    text = f"{method} {path}"
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text[:200])


def sentence(text: str) -> str:
    """``text`` ending with exactly one full stop (or its own ! or ?)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def launch_failure(exc: BaseException, python: str, root: str, root_exists: bool) -> str:
    """Why an app process could not be started, in the words of what is missing."""
    if not root_exists:
        return f"The project folder {root} does not exist"
    if isinstance(exc, FileNotFoundError) and exc.filename in (None, python):
        return f"Cannot run {python}: no such file"
    if isinstance(exc, PermissionError) and exc.filename in (None, python):
        return f"Cannot run {python}: permission denied"
    if isinstance(exc, OSError):
        return f"Cannot start the app process: {exc.strerror or exc}"
    return f"Cannot start the app process: {_one_line(exc)}"


def env_problem(env: Mapping[str, str]) -> Optional[str]:
    """What makes the ``env`` setting impossible to pass to a process, if anything."""
    for name, value in env.items():
        if not name or "=" in name or "\0" in name:
            return f"The env setting has an invalid variable name {name!r}"
        if "\0" in value:
            return f"The env setting {name} holds a NUL character"
    return None


def is_stuck_load(error: ExceptionInfo) -> bool:
    """The load error the app's load watchdog reports (``child/watchdog.stuck_error``):
    the load has not ended, and the process serves nothing while it goes on."""
    return error["type"] == "TimeoutError" and error["message"].startswith(_STUCK_PREFIX)


def stuck_sentence(timeout: float, where: str) -> str:
    at = f" at {where}" if where else ""
    return (
        f"The app did not finish loading in {timeout:g} s{at}; it was stopped. Save a fix"
        " (or raise the load timeout) to try again"
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    detail = text[0] if text else ""
    name = type(exc).__name__
    return f"{name}: {detail}" if detail else name
