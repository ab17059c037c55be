"""The files of a layer's import graph as they are on disk now: which saved modules are
inert (``inert``), and whether what was saved since the graph was reported makes the
layer built from it wrong (``keep``'s rules, checked against the new sources)."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from typing import Optional

from ..protocol import ImportedModule
from . import keep
from .inert import Fresh, blueprints_made, why_not_inert


def inert_now(modules: Sequence[ImportedModule], changed: Collection[str]) -> frozenset[str]:
    """The modules among ``changed`` (paths) whose source, as the app ran it, is inert:
    the guess that the next save of them is inert too (``breaks`` checks it then)."""
    unsaved = [m for m in modules if m["file"] in changed and not _saved_since(m)]
    return _inert(unsaved, modules)  # one saved again since: the layer will be stale anyway


def inert_as_saved(modules: Sequence[ImportedModule]) -> frozenset[str]:
    """The modules saved since the app ran whose saved source is inert."""
    return _inert([m for m in modules if _saved_since(m)], modules)


def changed_files(modules: Sequence[ImportedModule]) -> set[str]:
    """The modules' files, and the files their bodies read, saved since the app ran."""
    return {path for module in modules for path, mtime in module["stamps"] if _mtime(path) != mtime}


def _inert(
    candidates: Sequence[ImportedModule], modules: Sequence[ImportedModule]
) -> frozenset[str]:
    """The inert candidates, and their inert packages that import them: re-run with
    them, those make their blueprints afresh, which a candidate may decorate as its own.
    Only packages: judging every importer of a module that all import would read and
    parse the whole project (70 ms for 300 modules) on the supervisor's loop."""
    rebound = {m["name"]: m["rebound"] for m in modules}
    names = {m["name"] for m in candidates}
    rerun = {
        importer
        for importer in keep.importers(modules, names)
        if any(name.startswith(importer + ".") for name in names)
    }
    fresh = _fresh_blueprints([m for m in modules if m["name"] in rerun], rebound)
    found = set(fresh)
    for module in candidates:
        source = _read(module["file"])
        if source is not None and not why_not_inert(
            source, module["name"], _is_package(module), rebound, fresh
        ):
            found.add(module["name"])
    return frozenset(found)


def _fresh_blueprints(
    rerun: Sequence[ImportedModule], rebound: Mapping[str, Collection[str]]
) -> dict[str, frozenset[str]]:
    """The inert ones of the modules a restart re-runs as they are, and the blueprints
    each makes. One saved since is left out: it is judged as saved, or the layer is stale."""
    fresh = {}
    for module in rerun:
        source = None if _saved_since(module) else _read(module["file"])
        if source is not None:
            made = blueprints_made(source, module["name"], _is_package(module), rebound)
            if made is not None:
                fresh[module["name"]] = made
    return fresh


def breaks(graph: Sequence[ImportedModule], kept: Collection[str], inert: Collection[str]) -> str:
    """Why a module saved since ``graph`` was reported makes a layer holding ``kept``
    wrong ("" when none does). ``inert``: the saved modules the layer relied on being
    inert."""
    known = {m["name"]: m for m in graph}
    held = set(kept)
    rebound = {name: m["rebound"] for name, m in known.items()}
    fresh = _fresh_blueprints([known[n] for n in inert if n in known and n not in held], rebound)
    for module in graph:
        if module["name"] in held or not _saved_since(module):
            continue
        source = _read(module["file"])
        if source is None:
            continue  # gone: the app process reports what that breaks
        relied = fresh if module["name"] in inert else None
        reason = _why_breaks(module, source, held, known, rebound, relied)
        if reason:
            return f"{module['name']}: {reason}"
    return ""


def _why_breaks(
    module: ImportedModule,
    source: str,
    kept: Collection[str],
    known: Mapping[str, ImportedModule],
    rebound: Mapping[str, Collection[str]],
    relied_inert: Optional[Fresh],
) -> str:
    """Its new body may run the kept modules' state in another order than a cold start:
    it imports a kept module it did not, or a project module no body imported (whose
    body now runs inside its own), or it was inert and is not."""
    imported = keep.imported_by(module["name"], source, _is_package(module))
    grew = keep.new_imports_of_kept(module, imported, kept)
    if grew:
        return f"it now imports {grew[0]}, which the layer holds"
    new = sorted(n for n in imported if n not in known and _is_project_module(n, known))
    if new:
        return f"it now imports {new[0]}, which no module imported before"
    if relied_inert is not None:  # the fresh blueprints it may decorate
        why = why_not_inert(source, module["name"], _is_package(module), rebound, relied_inert)
        if why:
            return f"it is no longer inert: {why}"
    return ""


def _is_project_module(name: str, known: Mapping[str, ImportedModule]) -> bool:
    """A file for module ``name`` beside the project's modules: in a package the run
    imported, or at the top, beside a top-level module it imported."""
    parent, _, last = name.rpartition(".")
    if parent:
        package = known.get(parent)
        if package is None or not _is_package(package):
            return False
        folders = {os.path.dirname(package["file"])}
    else:
        folders = {_top_folder(m) for n, m in known.items() if "." not in n}
    return any(
        os.path.isfile(os.path.join(folder, f"{last}.py"))
        or os.path.isfile(os.path.join(folder, last, "__init__.py"))
        for folder in folders
    )


def _top_folder(module: ImportedModule) -> str:
    folder = os.path.dirname(module["file"])
    return os.path.dirname(folder) if _is_package(module) else folder


def _is_package(module: ImportedModule) -> bool:
    return os.path.basename(module["file"]) == "__init__.py"


def _saved_since(module: ImportedModule) -> bool:
    path = module["file"]
    stamps = dict(module["stamps"])
    return path in stamps and _mtime(path) != stamps[path]


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:
        return None


def _mtime(path: str) -> Optional[int]:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
