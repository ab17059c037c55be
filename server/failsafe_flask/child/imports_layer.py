"""A layer: a preloader that has also imported the project modules a change cannot affect
(``LayerRequest``), so that the app processes it forks import only the rest.

It imports them as the last app process did: with its environment and ``sys.path``, in the
order their bodies started, recorded (``child.imports``) so that each fork reports the
whole graph again. Any failure, or a thread left running, and it keeps nothing: the
supervisor closes it and forks from the plain preloader. Standard library only.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, Optional

from failsafe_flask.child import imports
from failsafe_flask.child.paths import is_project_file_known
from failsafe_flask.protocol import LayerReady, LayerRequest

# The modules this process keeps for its forks (``preloader.fresh_state`` spares them).
KEPT: frozenset[str] = frozenset()
# Packages it created without running their body, by name: each fork runs the body in
# that module object when it is imported (``reopen_shells``).
SHELLS: dict[str, ModuleType] = {}


def build(request: LayerRequest, root: str) -> LayerReady:
    """Import ``request.modules``; what the supervisor must know about the result."""
    global KEPT
    os.environ.clear()
    os.environ.update(request.environ)
    sys.path[:] = request.path
    importlib.invalidate_caches()
    recorder = imports.install(root)
    try:
        error = _import_all(request.modules, set(request.shells), recorder)
    finally:
        imports.stop()
    error = error or _extra_modules(request.modules, root)
    if not error and imports.thread_count() > 1:
        error = "importing the kept modules started a thread"
    if error:
        return LayerReady(kept=[], watch=[], error=error)
    kept = frozenset(request.modules) - frozenset(request.shells)
    stamps: dict[str, Optional[int]] = {}
    for name in kept:
        record = recorder.records.get(name)
        if record is None:
            return LayerReady(kept=[], watch=[], error=f"{name} was not imported from a file")
        stamps.update(record.stamps)
    KEPT = kept
    return LayerReady(kept=sorted(kept), watch=sorted(stamps.items()), error="")


def _import_all(names: list[str], shells: set[str], recorder: imports.Recorder) -> str:
    """Import ``names``, but create ``shells``, in the order given (the order their
    bodies started in the run they were decided from)."""
    for name in names:
        try:
            if name in shells:
                SHELLS[name] = _shell(name)
                recorder.opened_shell(name)
            else:
                importlib.import_module(name)
        except BaseException as exc:  # SystemExit at import time included
            return f"importing {name} failed: {type(exc).__name__}: {exc}"
    return ""


def _shell(name: str) -> ModuleType:
    """The package's module object, its body not run: as a cold start has it while the
    body imports its submodules."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name}")
    spec.loader = imports.real_loader(spec.loader)  # the fork's import records the body
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def reopen_shells() -> None:
    """In a fork: the shells are imported afresh, their body run in the same object (the
    kept submodules hold it as their package)."""
    for name in SHELLS:
        sys.modules.pop(name, None)
    if SHELLS and not any(isinstance(f, _ShellFinder) for f in sys.meta_path):
        # After the recorder's finder, which records the body's run through it.
        after = [i + 1 for i, f in enumerate(sys.meta_path) if imports.is_recording_finder(f)]
        sys.meta_path.insert(after[0] if after else 0, _ShellFinder())


class _ShellFinder(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[ModuleType] = None
    ) -> Optional[ModuleSpec]:
        module = SHELLS.pop(fullname, None)
        if module is None or module.__spec__ is None:
            return None
        old = module.__spec__
        spec = ModuleSpec(fullname, _ShellLoader(module, old.loader), origin=old.origin)
        spec.submodule_search_locations = old.submodule_search_locations
        spec.has_location = old.has_location
        spec.cached = old.cached
        return spec


class _ShellLoader(Loader):
    def __init__(self, module: ModuleType, real: Any) -> None:
        self._module = module
        self._real = real

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return self._module

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._real
        if module.__spec__ is not None:
            module.__spec__.loader = self._real
        self._real.exec_module(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _extra_modules(names: list[str], root: str) -> str:
    """A project module imported but not asked for: the graph was not the whole truth."""
    asked = set(names)
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        # Asked of every module, the kept ones too: the forks inherit the answers, and
        # each fork asks them of all its modules when it starts (``fresh_state``, Ready).
        if isinstance(file, str) and is_project_file_known(file, root) and name not in asked:
            return f"importing them also imported {name}"
    return ""
