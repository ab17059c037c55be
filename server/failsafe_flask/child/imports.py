"""Record what the project's modules did while they were imported: which project modules
each one imported, which project files it opened, and whether it started a thread or
opened a socket. The supervisor learns from it which modules an incremental restart may
keep imported (``failsafe_flask.supervisor.keep``).

Python's import system tells it, not a scan of the source:

- a finder in front of ``sys.meta_path`` wraps the loader of every project module, so the
  recorder sees each module's body start and end (``start`` / ``end`` sequence numbers,
  the stack of bodies being run, the thread count around each);
- a wrapper around ``builtins.__import__`` sees every import statement run by a module
  body, also of modules already imported (``from .extensions import db``);
- an audit hook sees ``open`` of project files and sockets made by a module body.

Only what happens while a module body runs is recorded: an import inside ``create_app``
or inside a view is a dependency of the call, not of the module. Standard library only.
"""

from __future__ import annotations

import builtins
import os
import sys
import threading
import time
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, Optional

from failsafe_flask.child.paths import is_project_file
from failsafe_flask.protocol import HOLDS_APP, ImportedModule

# Audit events that leave a live resource a fork must not share (Python 3.8+ names).
_RESOURCE_EVENTS = {
    "socket.__new__": "it opens a socket",
    "socket.bind": "it opens a socket",
    "socket.connect": "it opens a socket",
    "sqlite3.connect": "it opens a database connection",
    "subprocess.Popen": "it starts a process",
}
_SOURCE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyd", ".so")
_NONE = object()  # not bound


def thread_count() -> int:
    """Python's threads and native ones (a C library's pool), where /proc tells."""
    try:
        native = len(os.listdir("/proc/self/task"))
    except OSError:
        native = 0
    return max(threading.active_count(), native)


def mtime(path: str) -> Optional[int]:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


class _Record:
    """One project module, as its import went."""

    def __init__(self, name: str, file: str, start: int, threads: int) -> None:
        self.name = name
        self.file = file
        self.start = start
        self.end = -1  # still running (or it failed)
        self.threads = threads  # at start; then the threads its own body left running
        self.child_threads = 0
        self.began = time.perf_counter()
        self.seconds = 0.0  # its own, once it ended
        self.child_seconds = 0.0
        self.imports: set[str] = set()
        self.files: set[str] = set()
        self.stamps: dict[str, Optional[int]] = {file: mtime(file)}
        self.never = ""
        self.bound: dict[str, Any] = {}  # its globals when its body ended

    def ended(self, module: ModuleType) -> None:
        self.bound = {k: v for k, v in vars(module).items() if _is_binding(k, v)}

    def rebound(self) -> list[str]:
        """Its globals bound (or rebound) since its body ended. Kept references, not
        ids: an id may be reused once its object is gone."""
        module = sys.modules.get(self.name)
        now = vars(module).items() if module is not None else ()
        bound = self.bound
        return sorted(k for k, v in now if _is_binding(k, v) and bound.get(k, _NONE) is not v)

    def to_wire(self) -> ImportedModule:
        return ImportedModule(
            name=self.name,
            file=self.file,
            start=self.start,
            end=self.end,
            imports=sorted(self.imports),
            files=sorted(self.files),
            never=self.never,
            stamps=sorted(self.stamps.items()),
            seconds=round(self.seconds, 6),
            rebound=self.rebound(),
        )


def _is_binding(name: str, value: object) -> bool:
    """A global a module body binds: not the import system's ``__spec__`` and kin, nor a
    submodule (bound on its package when it is imported, by whichever body imports it)."""
    return not (name.startswith("__") and name.endswith("__")) and not isinstance(value, ModuleType)


class Recorder:
    """The records of one process (a layer's records live on in its forks)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.records: dict[str, _Record] = {}
        self.stack: list[_Record] = []
        self.seq = 0
        self.active = False
        self.environ: Optional[dict[str, str]] = None  # as the first project body saw it
        self.path: list[str] = []
        self._project: dict[str, bool] = {}
        self._real_import: Any = None  # builtins.__import__ while ours stands in for it
        self._shell_starts: dict[str, int] = {}  # see opened_shell

    def is_project(self, path: str) -> bool:
        known = self._project.get(path)
        if known is None:
            known = self._project[path] = is_project_file(path, self.root)
        return known

    def _tick(self) -> int:
        self.seq += 1
        return self.seq

    def begin(self, name: str, file: str) -> _Record:
        if self.environ is None:
            self.environ = dict(os.environ)
            self.path = list(sys.path)
        if self.stack:
            self.stack[-1].imports.add(name)
        else:
            self._hook_import()
        start = self._shell_starts.pop(name, None) or self._tick()
        record = _Record(name, file, start, thread_count())
        self.records[name] = record
        self.stack.append(record)
        return record

    def opened_shell(self, name: str) -> None:
        """A layer created the package ``name`` without its body, which a fork runs: its
        body starts now, as far as the order goes (before the submodules it imports)."""
        self._shell_starts[name] = self._tick()

    def finish(self, record: _Record, ok: bool) -> None:
        self.stack.pop()
        started = thread_count() - record.threads
        if ok:
            record.end = self._tick()
        if started > record.child_threads and not record.never:
            record.never = "it starts a thread"
        spent = time.perf_counter() - record.began
        record.seconds = max(spent - record.child_seconds, 0.0)
        if self.stack:
            self.stack[-1].child_threads += max(started, 0)
            self.stack[-1].child_seconds += spent
        else:
            self._unhook_import()

    def _hook_import(self) -> None:
        """Stand in for ``builtins.__import__`` while a module body runs, and only then:
        ``flask.cli.locate_app`` tells "no such module" from "an error inside it" by the
        depth of the ImportError's traceback, which a frame of ours would change."""
        self._real_import = builtins.__import__
        builtins.__import__ = _recording(self, self._real_import)

    def _unhook_import(self) -> None:
        real, self._real_import = self._real_import, None
        if real is not None and getattr(builtins.__import__, "_failsafe_recording", False):
            builtins.__import__ = real

    def noted_import(self, importer: str, names: Sequence[str]) -> None:
        """A body ran an import statement: an edge to each project module it named."""
        record = self.stack[-1] if self.stack else None
        if record is None or record.name != importer:
            return  # not run by a module body (a function called later): not recorded
        record.imports.update(n for n in names if n != importer and n in self.records)

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active or not self.stack:
            return
        if event == "open":
            path = args[0] if args else None
            if isinstance(path, str) and not path.endswith(_SOURCE_SUFFIXES):
                full = os.path.abspath(path)
                if self.is_project(full) and full not in self.stack[-1].files:
                    self.stack[-1].files.add(full)
                    self.stack[-1].stamps[full] = mtime(full)
        elif event in _RESOURCE_EVENTS and not self.stack[-1].never:
            self.stack[-1].never = _RESOURCE_EVENTS[event]

    def modules(self, app_holders: Sequence[str] = ()) -> list[ImportedModule]:
        """Every module whose body ran to its end, in ``start`` order."""
        for name in app_holders:
            if name in self.records:
                self.records[name].never = HOLDS_APP
        done = [r for r in self.records.values() if r.end >= 0 and r.name in sys.modules]
        return [record.to_wire() for record in sorted(done, key=lambda r: r.start)]


class _Loader:
    """The real loader, with the body's run recorded; put back as the module's loader
    before the body runs, so nothing holds this wrapper afterwards."""

    def __init__(self, real: Any, recorder: Recorder, file: str) -> None:
        self._real = real
        self._recorder = recorder
        self._file = file

    def create_module(self, spec: ModuleSpec) -> Optional[ModuleType]:
        create = getattr(self._real, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._real
        if module.__spec__ is not None:
            module.__spec__.loader = self._real
        record = self._recorder.begin(module.__name__, self._file)
        ok = False
        try:
            self._real.exec_module(module)
            ok = True
            record.ended(module)
        finally:
            self._recorder.finish(record, ok)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Finder(MetaPathFinder):
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[ModuleType] = None
    ) -> Optional[ModuleSpec]:
        if not self._recorder.active:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                return self._wrapped(spec)
        return None

    def _wrapped(self, spec: ModuleSpec) -> ModuleSpec:
        origin = spec.origin
        loader = spec.loader
        wrappable = loader is not None and hasattr(loader, "exec_module")
        is_file = bool(origin) and os.path.isabs(str(origin))  # not "built-in", "frozen"
        if is_file and wrappable and self._recorder.is_project(str(origin)):
            spec.loader = _Loader(loader, self._recorder, os.path.abspath(str(origin)))  # type: ignore[assignment]
        return spec


def real_loader(loader: Any) -> Any:
    """The loader under our recording wrapper (a spec found while recording has it)."""
    return loader._real if isinstance(loader, _Loader) else loader


def is_recording_finder(finder: object) -> bool:
    return isinstance(finder, _Finder)


def _resolved(name: str, globals_: Optional[dict[str, Any]], level: int) -> Optional[str]:
    if level == 0:
        return name
    package = (globals_ or {}).get("__package__") or ""
    bits = package.rsplit(".", level - 1)
    if len(bits) < level:
        return None
    base = bits[0]
    return f"{base}.{name}" if name else base


def _named(absolute: str, fromlist: Sequence[str]) -> list[str]:
    """The modules an import statement runs: the package chain and ``from`` submodules."""
    parts = absolute.split(".")
    names = [".".join(parts[: depth + 1]) for depth in range(len(parts))]
    return names + [f"{absolute}.{item}" for item in fromlist if isinstance(item, str)]


_RECORDER: Optional[Recorder] = None


def install(root: str) -> Recorder:
    """Start recording (once per process: a layer's forks go on with the layer's)."""
    global _RECORDER
    if _RECORDER is None:
        _RECORDER = Recorder(root)
        sys.meta_path.insert(0, _Finder(_RECORDER))
        sys.addaudithook(_RECORDER.audit)
    _RECORDER.active = True
    return _RECORDER


def _recording(recorder: Recorder, real_import: Any) -> Any:
    """``builtins.__import__`` that also tells ``recorder`` what a module body imported."""

    def recording_import(
        name: str,
        globals: Optional[dict[str, Any]] = None,  # the builtin's own parameter names
        locals: Optional[dict[str, Any]] = None,
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> ModuleType:
        module: ModuleType = real_import(name, globals, locals, fromlist, level)
        if recorder.stack and globals:
            absolute = _resolved(name, globals, level)
            if absolute is not None:
                importer = globals.get("__name__", "")
                recorder.noted_import(importer, _named(absolute, fromlist or ()))
        return module

    recording_import._failsafe_recording = True  # type: ignore[attr-defined]
    return recording_import


def stop() -> None:
    """Imports from now on are a call's, not a module body's: stop paying for them."""
    if _RECORDER is not None:
        _RECORDER.active = False


def recorder() -> Optional[Recorder]:
    return _RECORDER


def app_holders(app: object) -> list[str]:
    """Project modules holding ``app`` in their globals (a module-level ``app = Flask()``):
    such a module is never kept, each process must build its own app object."""
    found = []
    current = _RECORDER
    for name, module in list(sys.modules.items()):
        if current is None or name not in current.records:
            continue
        values = getattr(module, "__dict__", {}).values()
        if any(value is app for value in list(values)):
            found.append(name)
    return found
