"""Which files belong to the project, and which imported modules are third-party.

Pure helpers over paths and ``sys.modules``; standard library only (runs in the user's
interpreter, Python 3.9+).
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from functools import cache
from types import ModuleType
from typing import Optional

_PACKAGE_DIRS = frozenset({"site-packages", "dist-packages"})
# Names that are never worth preloading: the interpreter's entry points and ourselves.
_NEVER_PACKAGES = frozenset({"__main__", "__mp_main__", "failsafe_flask"})


def is_pseudo_file(path: str) -> bool:
    """``<string>``, ``<frozen importlib._bootstrap>``, ``<stdin>``: not files on disk."""
    return not path or (path.startswith("<") and path.endswith(">"))


@cache
def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def _interpreter_prefixes() -> tuple[str, ...]:
    # Read each call (cheap): a test may run against another prefix than the import-time one.
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return tuple(os.path.realpath(p) for p in prefixes if p)


def _is_under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def is_project_file(path: str, root: str) -> bool:
    """True for a real file under ``root`` that is not installed code.

    Installed code means anything in site-packages / dist-packages, in a virtualenv (a
    directory holding ``pyvenv.cfg``, e.g. ``.venv`` inside the project) or under the
    interpreter's prefixes (a project root that contains the interpreter).
    """
    if is_pseudo_file(path) or not root:
        return False
    real = os.path.realpath(path)
    real_root = os.path.realpath(root)
    if not _is_under(real, real_root):
        return False
    for prefix in _interpreter_prefixes():
        # A prefix that holds the root (a project in /usr/src/app with prefix /usr) says
        # nothing; one inside the root (the project's own .venv) marks installed code.
        if _is_under(real, prefix) and not _is_under(real_root, prefix):
            return False
    rel_parts = os.path.relpath(real, real_root).split(os.sep)[:-1]
    directory = real_root
    for part in rel_parts:
        if part in _PACKAGE_DIRS:
            return False
        directory = os.path.join(directory, part)
        if _is_virtualenv(directory):
            return False
    return True


# is_project_file's answers, kept for the process's life and inherited by its forks.
_KNOWN: dict[tuple[str, str], bool] = {}


def is_project_file_known(path: str, root: str) -> bool:
    """``is_project_file``, asked once per file and root: an app process asks it of every
    module in ``sys.modules`` (about 1,400 with SQLAlchemy preloaded, each a ``realpath``)
    when it starts, which took 20-40 ms of every restart. An answer cannot go stale where
    it is asked: an installed file's change replaces the preloader that learned it
    (``watch_list``), and a project file stays under the root."""
    if not os.path.isabs(path) or not os.path.isabs(root):
        return is_project_file(path, root)  # its answer depends on the working directory
    key = (path, root)
    known = _KNOWN.get(key)
    if known is None:
        known = _KNOWN[key] = is_project_file(path, root)
    return known


def absolute_path(path: str, root: str) -> str:
    """``path`` made absolute against ``root`` (pseudo names such as ``<string>`` kept)."""
    if is_pseudo_file(path):
        return path
    return os.path.normpath(os.path.join(root, path))


def module_file(module: object) -> Optional[str]:
    """The module's source file, or its first package dir for a namespace package."""
    file = getattr(module, "__file__", None)
    if isinstance(file, str) and file:
        return file
    search = getattr(module, "__path__", None)
    try:
        first = next(iter(search)) if search is not None else None
    except (StopIteration, TypeError):
        return None
    return first if isinstance(first, str) else None


def imported_project_files(modules: Mapping[str, Optional[ModuleType]], root: str) -> list[str]:
    """Sorted absolute paths of project source files among ``modules`` (``sys.modules``)."""
    files = set()
    for name, module in list(modules.items()):
        if name.partition(".")[0] in _NEVER_PACKAGES:
            continue  # this very app process, even when the project is Failsafe Flask itself
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and is_project_file_known(file, root):
            files.add(os.path.abspath(file))
    return sorted(files)


def _stdlib_names() -> frozenset[str]:
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    return frozenset(names or ()) | frozenset(sys.builtin_module_names)


def _in_stdlib_dir(file: str) -> bool:
    # Python 3.9 has no sys.stdlib_module_names: fall back to where the module lives.
    real = os.path.realpath(file)
    if any(part in _PACKAGE_DIRS for part in real.split(os.sep)):
        return False
    stdlib_dirs = {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")}
    return any(d and _is_under(real, os.path.realpath(d)) for d in stdlib_dirs)


def third_party_packages(modules: Mapping[str, Optional[ModuleType]], root: str) -> list[str]:
    """Sorted top-level names of imported modules that are neither stdlib nor project."""
    stdlib = _stdlib_names()
    found = set()
    for name in _top_level_names(modules):
        if name in stdlib or name in _NEVER_PACKAGES:
            continue
        file = module_file(modules.get(name))
        if file is None or is_project_file(file, root) or _in_stdlib_dir(file):
            continue
        found.add(name)
    return sorted(found)


def _top_level_names(modules: Iterable[str]) -> set[str]:
    return {name.partition(".")[0] for name in list(modules)}
