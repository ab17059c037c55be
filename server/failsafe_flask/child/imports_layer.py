"""A layer: a preloader that has also imported the project modules a change cannot affect
(``LayerRequest``), so that the app processes it forks import only the rest.

It imports them as the last app process did: with its environment and ``sys.path``, in the
order their bodies started, recorded (``child.imports``) so that each fork reports the
whole graph again. Any failure, or a thread left running, and it keeps nothing: the
supervisor closes it and forks from the plain preloader. Standard library only.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Optional

from failsafe_flask.child import imports
from failsafe_flask.child.paths import is_project_file
from failsafe_flask.protocol import LayerReady, LayerRequest

# The modules this process keeps for its forks (``preloader.fresh_state`` spares them).
KEPT: frozenset[str] = frozenset()


def build(request: LayerRequest, root: str) -> LayerReady:
    """Import ``request.modules``; what the supervisor must know about the result."""
    global KEPT
    os.environ.clear()
    os.environ.update(request.environ)
    sys.path[:] = request.path
    importlib.invalidate_caches()
    recorder = imports.install(root)
    try:
        error = _import_all(request.modules)
    finally:
        imports.stop()
    error = error or _extra_modules(request.modules, root)
    if not error and imports.thread_count() > 1:
        error = "importing the kept modules started a thread"
    if error:
        return LayerReady(kept=[], watch=[], error=error)
    KEPT = frozenset(request.modules)
    stamps: dict[str, Optional[int]] = {}
    for name in request.modules:
        record = recorder.records.get(name)
        if record is None:
            return LayerReady(kept=[], watch=[], error=f"{name} was not imported from a file")
        stamps.update(record.stamps)
    return LayerReady(kept=list(request.modules), watch=sorted(stamps.items()), error="")


def _import_all(names: list[str]) -> str:
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException as exc:  # SystemExit at import time included
            return f"importing {name} failed: {type(exc).__name__}"
    return ""


def _extra_modules(names: list[str], root: str) -> str:
    """A project module imported but not asked for: the graph was not the whole truth."""
    asked = set(names)
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name not in asked and isinstance(file, str) and is_project_file(file, root):
            return f"importing them also imported {name}"
    return ""
