"""Which changes on disk mean "restart the app": pure decisions, no I/O."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Optional

from ..config import DEFAULT_EXCLUDES
from ..globs import glob_match
from ..locate import chain, is_real_file
from ..protocol import Command, ExceptionInfo, ReloadPage, SwapStyles

# (st_mtime_ns, st_size) of a file, or None once it is gone.
Signature = Optional[tuple[int, int]]


@dataclass(frozen=True)
class WatchRules:
    root: str  # absolute project root
    excludes: tuple[str, ...] = DEFAULT_EXCLUDES
    extra_globs: tuple[str, ...] = ()
    named: frozenset[str] = field(default_factory=frozenset)  # files the last errors named
    always: frozenset[str] = field(default_factory=frozenset)  # e.g. the env file

    def with_named(self, named: Iterable[str]) -> WatchRules:
        return replace(self, named=frozenset(named))


def relative_parts(path: str, root: str) -> Optional[tuple[str, ...]]:
    """The path's components below root, or None when it is not below root."""
    try:
        rel = os.path.relpath(path, root)
    except ValueError:  # another drive on Windows
        return None
    if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir:
        return None
    return PurePath(rel).parts


def is_excluded(parts: tuple[str, ...], excludes: Iterable[str]) -> bool:
    """VS Code globs; a bare name (no ``/``) matches any folder or file of that name.

    A pattern with a ``/`` is matched against the path relative to the root and against
    each folder above it, so excluding a folder excludes what it holds.
    """
    folders = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
    for pattern in excludes:
        candidates = folders if "/" in pattern.rstrip("/") else parts
        if any(glob_match(pattern, candidate) for candidate in candidates):
            return True
    return False


def is_extra(path: str, parts: tuple[str, ...], globs: Iterable[str]) -> bool:
    """The user's extra watch globs: relative to the root, or absolute paths."""
    rel = "/".join(parts)
    return any(glob_match(glob, path if os.path.isabs(glob) else rel) for glob in globs)


def is_relevant(path: str, rules: WatchRules) -> bool:
    """Does a change to this file call for a restart?

    A file named by the last error always does, even outside the usual suffixes (a
    ``settings.cfg`` read by ``from_pyfile``, a template): fixing it is what the user is
    about to do. Otherwise: Python files and the user's extra globs below the root,
    minus the excludes.
    """
    path = os.path.abspath(path)
    if path in rules.named or path in rules.always:
        return True
    parts = relative_parts(path, rules.root)
    if parts is None or is_excluded(parts, rules.excludes):
        return False
    if path.endswith(".py"):
        return True
    return is_extra(path, parts, rules.extra_globs)


def holds_nothing_relevant(folder: str, rules: WatchRules) -> bool:
    """A folder that no relevant file can be in: excluded (or outside the root) and
    holding none of the files relevant wherever they are."""
    folder = os.path.abspath(folder)
    parts = relative_parts(folder, rules.root)
    if parts is not None and not is_excluded(parts, rules.excludes):
        return False
    inside = folder + os.sep
    return not any(path.startswith(inside) for path in rules.named | rules.always)


def live_action(path: str, rules: WatchRules) -> Optional[Command]:
    """What the open pages do about a change that needs no restart, if anything.

    A template (a file below a ``templates`` folder: Flask re-reads it in debug mode)
    reloads them; a stylesheet below a ``static`` folder is swapped in place. Ask only
    once ``is_relevant`` said no: a file that restarts the app reloads the pages anyway.
    """
    parts = relative_parts(os.path.abspath(path), rules.root)
    if parts is None or is_excluded(parts, rules.excludes):
        return None
    name, folders = parts[-1], parts[:-1]
    if name.endswith(".css") and "static" in folders:
        return SwapStyles(names=[name])
    if "templates" in folders and not name.endswith(".py"):
        return ReloadPage(reason=f"{name} changed")
    return None


def files_named_by(error: ExceptionInfo) -> set[str]:
    """Every real file an error points at, what led to it included (``locate.chain``)."""
    named: set[str] = set()
    for info, _ in chain(error):
        named.update(frame["file"] for frame in info["frames"])
        named.update(info["paths"])
        syntax = info.get("syntax")
        if syntax is not None:
            named.add(syntax["file"])
    return {path for path in named if is_real_file(path)}


class ChangeLedger:
    """Remembers the last version of each file acted upon.

    The editor's save and the native watcher both report the same write a few
    milliseconds apart; acting on both would restart twice. A file whose signature
    equals the one already acted upon is the same change.
    """

    def __init__(self) -> None:
        self._seen: dict[str, Signature] = {}

    def is_new(self, path: str, signature: Signature) -> bool:
        if path in self._seen and self._seen[path] == signature:
            return False
        self._seen[path] = signature
        return True
