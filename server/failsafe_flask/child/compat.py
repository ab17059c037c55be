"""What differs between the Flask and Werkzeug releases the app process supports (2.2 up).

The app process runs in the user's interpreter with whatever Flask the project pins, so
every API newer than the floor is feature-detected here, in one place, never by version.
Below the floor the app process refuses with one sentence instead of failing somewhere
deep inside a newer API.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from flask import Flask

FLOOR = {"flask": (2, 2), "werkzeug": (2, 2)}  # the oldest pair CI tests


class UnsupportedVersions(RuntimeError):
    """Flask or Werkzeug is older than the floor; str() is the sentence for the user."""


def _version(distribution: str) -> Optional[str]:
    from importlib import metadata  # 20 ms of imports (email, zipfile): the rare path only

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def too_old(versions: dict[str, Optional[str]]) -> Optional[str]:
    """The sentence for versions below the floor, None when they are supported. Pure."""
    old = [
        f"{name.capitalize()} {version}"
        for name, version in versions.items()
        if version is not None and _release(version) < FLOOR[name]
    ]
    if not old:
        return None
    return (
        f"Failsafe Flask needs Flask 2.2 and Werkzeug 2.2 or newer; {sys.executable} has "
        f"{' and '.join(old)}. Upgrade them in that environment "
        "(python -m pip install -U 'flask>=2.2' 'werkzeug>=2.2') or choose another interpreter."
    )


def _maybe_below_floor() -> bool:
    """Whether what 2.2 added is missing: ``flask.json.provider``, and ``werkzeug.routing``
    as a package. A cold start's app process asks, so not ``importlib.metadata``."""
    try:
        provider = importlib.util.find_spec("flask.json.provider")
        routing = importlib.util.find_spec("werkzeug.routing")
    except ImportError:  # not installed: importing the app says so
        return False
    return provider is None or routing is None or routing.submodule_search_locations is None


def require_supported() -> None:
    if not _maybe_below_floor():
        return
    problem = too_old({name: _version(name) for name in FLOOR})
    if problem is not None:
        raise UnsupportedVersions(problem)


def on_unhandled_exception(app: Flask, report: Callable[[BaseException], None]) -> None:
    """Call ``report`` for every exception a request does not handle, before Flask does.

    Flask sends ``got_request_exception`` from ``handle_exception``; before 2.3 that
    signal needs blinker, which Flask did not require then. Without it the same moment
    is had by wrapping ``handle_exception`` on this app object.
    """
    from flask import signals

    if getattr(signals, "signals_available", True):

        def on_signal(sender: object, exception: BaseException, **extra: object) -> None:
            report(exception)

        # weak=False: the closure has no other owner and would vanish at once.
        signals.got_request_exception.connect(on_signal, app, weak=False)
        return
    original = app.handle_exception

    def handle_exception(e: Exception) -> Any:
        __traceback_hide__ = True  # Werkzeug's debugger leaves this frame out
        report(e)
        return original(e)

    app.handle_exception = handle_exception  # type: ignore[method-assign]


def with_debugger(app: WSGIApplication, host: str) -> WSGIApplication:
    """As ``run_simple(use_debugger=True, use_evalex=True)``: the PIN stays on."""
    from werkzeug.debug import DebuggedApplication

    debugged = DebuggedApplication(app, evalex=True)
    trusted = getattr(debugged, "trusted_hosts", None)  # Werkzeug 3.0.3 and newer
    if trusted is not None:
        trusted.append(host)
    return debugged


def load_dotenv_file(path: str) -> None:
    """Flask's ``load_dotenv(path)``, loading that file only, in every supported Flask."""
    import inspect

    from flask.cli import load_dotenv

    # Before Flask 3.1, a path means that file alone; load_defaults says so since then.
    if "load_defaults" in inspect.signature(load_dotenv).parameters:
        load_dotenv(path, load_defaults=False)
    else:
        load_dotenv(path)
