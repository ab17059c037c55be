"""The checks of a host, a port, a number of seconds and a URL prefix, worded once for
every front end.

The terminal's options and the editor's settings say a mistake the same way; each front
end only puts the name the user typed in front (``--port``, ``failsafeFlask.port``).
Standard library only: the app process may import it.
"""

from __future__ import annotations

import math

from .config import DEFAULT_HOST


class InvalidValue(ValueError):
    """str() ends a sentence that begins with the setting's name: "must be ..., got ..."."""


def port(value: object) -> int:
    """A TCP port, 0 to 65535 (0: any free port)."""
    # bool is an int subclass: `"port": true` is a mistake, not port 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(_wrong("a whole number", kind(value), "a port number"))
    if not 0 <= value <= 65535:
        raise InvalidValue(_wrong("between 0 and 65535", str(value), "a port number"))
    return value


def seconds(value: object) -> float:
    """A duration: a finite number of seconds above 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValue(_wrong("a number of seconds", kind(value), _SECONDS))
    if not 0 < value < math.inf:
        raise InvalidValue(_wrong("more than 0 seconds", f"{value:g}", _SECONDS))
    return float(value)


def host(value: object) -> str:
    """A host name or address to bind; an empty one would mean every interface."""
    if not isinstance(value, str):
        raise InvalidValue(_wrong("a host name or address", kind(value), _HOST))
    # No space, no control character (a NUL could reach no socket call).
    if not value.strip() or any(c.isspace() or not c.isprintable() for c in value.strip()):
        raise InvalidValue(_wrong("a host name or address", repr(value), _HOST))
    return value.strip()


def url_prefix(value: object) -> str:
    """A path the app is served under (``/absproxy/{port}``); "" or "/": none.

    Returned without a trailing "/". ``{port}`` stands for the app's port; a query, a
    fragment or a space could never be the start of a request's path.
    """
    if not isinstance(value, str):
        raise InvalidValue(_wrong("a path such as /absproxy/{port}", kind(value), _PREFIX))
    text = value.strip()
    if text in ("", "/"):
        return ""
    rest = text.replace("{port}", "")
    bad = not text.startswith("/") or "//" in text or any(c in "?#{}\\" for c in rest)
    if bad or any(c.isspace() or not c.isprintable() for c in rest):
        raise InvalidValue(_wrong("a path that starts with /", repr(value), _PREFIX))
    return text.rstrip("/")


def port_text(text: str) -> int:
    """A port as a command line spells it."""
    try:
        number = int(text)
    except ValueError:
        raise InvalidValue(_wrong("a whole number", repr(text), "a port number")) from None
    return port(number)


def seconds_text(text: str) -> float:
    """A number of seconds as a command line spells it."""
    try:
        number = float(text)
    except ValueError:
        raise InvalidValue(_wrong("a number of seconds", repr(text), _SECONDS)) from None
    return seconds(number)


def debug_address(text: str, default_host: str = DEFAULT_HOST) -> tuple[str, int]:
    """``[HOST:]PORT`` as ``python -m debugpy --listen`` takes it; ``[::1]:PORT`` for IPv6."""
    host_text, colon, port_part = text.rpartition(":")
    if not colon:
        return default_host, port_text(text)
    return host(host_text.strip("[]")), port_text(port_part)


def kind(value: object) -> str:
    """What a JSON value is, in words: "a string", "a list", "null"..."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names.update({list: "a list", dict: "an object", type(None): "null"})
    return names.get(type(value), type(value).__name__)


_SECONDS = "a positive number of seconds"
_HOST = "an address to listen on"
_PREFIX = "a URL prefix (a path, no query or fragment)"


def _wrong(rule: str, got: str, what: str) -> str:
    return f"must be {rule}, got {got}, which is not {what}"
