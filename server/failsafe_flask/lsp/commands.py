"""The workspace/executeCommand commands and the checking of their arguments.

IDs use a dash (``failsafe-flask.start``) because vscode-languageclient registers every
command a server advertises as a VS Code command, and the extension's own palette
commands are ``failsafeFlask.start`` etc.: the two must never collide.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

START = "failsafe-flask.start"
STOP = "failsafe-flask.stop"
RESTART = "failsafe-flask.restart"
STATUS = "failsafe-flask.status"
DEBUG = "failsafe-flask.debug"
COMMANDS = (START, STOP, RESTART, STATUS, DEBUG)

# start's optional object argument: key -> (accepted types, how to say it)
_START_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "app": ((str,), "a string"),
    "host": ((str,), "a string"),
    "port": ((int,), "a whole number"),
    "workspaceFolder": ((str, dict), "a folder path, a file URI or a workspace folder"),
    "appId": ((str,), "an app's id, name or folder URI"),
}
_START_USAGE = (
    f"{START} takes at most one argument: {{app?, host?, port?, workspaceFolder?, appId?}}"
    " or an app's id, name or folder URI"
)


@dataclass(frozen=True)
class StartOverrides:
    """What a start command asked for on top of the settings."""

    settings: dict[str, Any] = field(default_factory=dict)  # app / host / port
    root: Optional[Path] = None
    target: Optional[str] = None  # which app: its id, name or folder (None: the only one)


def _invalid(text: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message=text)


def _folder(value: object) -> Path:
    uri = value.get("uri") if isinstance(value, dict) else value
    if not isinstance(uri, str) or not uri:
        raise _invalid(f"{START}: workspaceFolder must be a folder path or a file URI")
    path = to_fs_path(uri) if uri.startswith("file:") else uri
    return Path(path or uri)


def _check(key: str, value: object) -> None:
    if key not in _START_KEYS:
        known = ", ".join(_START_KEYS)
        raise _invalid(f"{START}: unknown argument {key!r} (known: {known})")
    kinds, text = _START_KEYS[key]
    # bool is an int subclass, but `port: true` is a mistake.
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise _invalid(f"{START}: {key} must be {text}, got {type(value).__name__}")


def parse_start_args(args: Sequence[Any]) -> StartOverrides:
    """Check start's arguments; raise JsonRpcInvalidParams with a readable text."""
    if len(args) > 1:
        raise _invalid(_START_USAGE)
    if not args or args[0] is None:
        return StartOverrides()
    if isinstance(args[0], str) and args[0]:
        return StartOverrides(target=args[0])
    if not isinstance(args[0], dict):
        raise _invalid(_START_USAGE + f", got {type(args[0]).__name__}")
    settings: dict[str, Any] = {}
    root: Optional[Path] = None
    target: Optional[str] = None
    for key, value in args[0].items():
        if value is None:
            continue  # {"port": null} means "from the settings", as an absent key does
        _check(key, value)
        if key == "workspaceFolder":
            root = _folder(value)
        elif key == "appId":
            target = value
        else:
            settings[key] = value
    return StartOverrides(settings, root, target)


def parse_debug_args(args: Sequence[Any]) -> StartOverrides:
    """debug takes start's arguments and runs the app under debugpy: on the port the
    ``debugpy`` setting names, else on a free one (the status says which).

    ``debugpyWait: true`` besides: each app process waits for the debugger before it
    loads the app, so breakpoints at import time and in the factory are hit.
    """
    wait: Optional[bool] = None
    if args and isinstance(args[0], dict) and "debugpyWait" in args[0]:
        first = dict(args[0])
        wait = first.pop("debugpyWait")
        if wait is not None and not isinstance(wait, bool):
            raise _invalid(f"{DEBUG}: debugpyWait must be true or false, got {type(wait).__name__}")
        args = [first, *args[1:]]
    overrides = parse_start_args(args)
    extra: dict[str, Any] = {"debugpy": True}
    if wait is not None:
        extra["debugpyWait"] = wait
    return dataclasses.replace(overrides, settings={**overrides.settings, **extra})


def parse_target(command: str, args: Sequence[Any]) -> Optional[str]:
    """stop/restart/status: nothing (the only app), or the app's id, name or folder URI,
    as a string or as ``{"appId": ...}``."""
    given = [arg for arg in args if arg is not None]
    usage = f"{command} takes at most one argument: an app's id, name or folder URI"
    if not given:
        return None
    value = given[0]
    if isinstance(value, dict) and set(value) <= {"appId"}:
        value = value.get("appId")
        if value is None:
            return None
    if len(given) > 1 or not isinstance(value, str) or not value:
        raise _invalid(usage)
    return value
