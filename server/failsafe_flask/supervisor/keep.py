"""Which project modules an incremental restart may keep imported: pure rules over the
imports the last app process reported (``protocol.Imports``).

A kept module is imported once, in a layer process that forks the app processes; every
other module is imported afresh by each app process, after the kept ones. A restart must
serve what a cold start serves, so a module is kept only when:

1. its file and the files its body read did not change;
2. it imports (at import time, directly or through others) only kept modules; its
   package counts as an import (``a.b`` runs ``a/__init__.py`` first);
3. it is not marked never-keep: it starts a thread, opens a socket or a database, starts
   a process (a fork copies none of them), or holds the app object (each process builds
   its own);
4. order: in a cold start, a module that is not kept and whose body ended earlier ran
   before it; in a restart it runs after. Both may change a module they share (a
   registry, a counter, ``db.metadata``), and the order would show (a list's order, a
   counter's value). So a module is not kept when a module not kept ended before it and
   the two share a project module they import, unless that module is inert (``inert``:
   its body changes nothing but its own namespace, and binds no name a later body
   rebinds), as a view module that makes a blueprint is. The packages that import a
   saved module run again with it and may be inert too: a blueprint package's
   ``__init__.py`` that makes ``bp`` and imports ``routes``, whose ``@bp.route`` then
   decorates a blueprint no kept module can see (``saved_since``).

The layer imports the kept modules in the order their bodies started, so among
themselves they run as in a cold start. That holds for circular imports too: a module
whose body had not ended when another imported it started first, so the layer runs it
first and its body imports the other as in a cold start; when it is not kept, neither is
the other, which imports it (rule 2). The circular ``app = Flask(__name__)`` then
``from app import routes`` pattern: ``app`` holds the app object, so neither is kept.

Assumed, not checked: a module body's code that runs *before* one of its imports does not
change what that import's body sees. The same for a factory that imports modules when
called: what it does before such an import (register a blueprint, whose records then
run) is not seen by that import's body, which a restart runs before the factory.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from ..protocol import ImportedModule


@dataclass
class Decision:
    kept: list[str]  # in the order their bodies started
    why_not: dict[str, str] = field(default_factory=dict)  # every other module, and why
    # Packages not kept that hold kept modules: the layer creates them without running
    # their body (as a cold start has them while their body imports those modules), and
    # each app process runs the body in that same module object.
    shells: list[str] = field(default_factory=list)


def decide(
    modules: Sequence[ImportedModule], changed: Collection[str], inert: Collection[str] = ()
) -> Decision:
    """The modules to keep when ``changed`` (absolute paths) are the files that changed;
    ``inert``: modules whose bodies, old and new, are inert (rule 4)."""
    why_not: dict[str, str] = {}
    while True:  # again until nothing more drops: an import cycle drops as a whole
        again = _one_pass(modules, changed, why_not, inert)
        if again.keys() == why_not.keys():
            break
        why_not = again
    started = sorted(modules, key=lambda m: m["start"])
    kept = [m["name"] for m in started if m["name"] not in why_not]
    known = {module["name"]: module for module in modules}
    around = {p for name in kept for p in _enclosing(known[name], known)}
    return Decision(kept, why_not, [m["name"] for m in started if m["name"] in around - set(kept)])


def _one_pass(
    modules: Sequence[ImportedModule],
    changed: Collection[str],
    before: dict[str, str],
    inert: Collection[str],
) -> dict[str, str]:
    """Each module in the order its body ended; ``before``: what an earlier pass dropped."""
    known = {module["name"]: module for module in modules}
    below: dict[str, frozenset[str]] = {}  # every project module each one imports
    touched: set[str] = set()  # what the modules not kept import, so far in end order
    why_not: dict[str, str] = dict(before)
    for module in sorted(modules, key=lambda m: m["end"]):
        name = module["name"]
        direct = _direct(module, known)
        below[name] = frozenset(direct).union(*(below.get(d, frozenset()) for d in direct))
        reason = (
            why_not.get(name) or _own_reason(module, changed) or _import_reason(direct, why_not)
        )
        if not reason and below[name] & touched:
            shared = sorted(below[name] & touched)[0]
            reason = f"a module not kept ran before it and imports {shared} too"
        if reason:
            why_not[name] = reason
            if name not in inert:
                touched |= below[name]
    return why_not


def importers(modules: Sequence[ImportedModule], names: Collection[str]) -> set[str]:
    """The modules that import any of ``names``, directly or through others: never kept
    while those are not (rule 2), so each restart runs them afresh."""
    known = {module["name"]: module for module in modules}
    imported_by: dict[str, set[str]] = {}
    for module in modules:
        for name in _direct(module, known):
            imported_by.setdefault(name, set()).add(module["name"])
    found: set[str] = set()
    waiting = list(names)
    while waiting:
        for importer in imported_by.get(waiting.pop(), ()):
            if importer not in found:
                found.add(importer)
                waiting.append(importer)
    return found - set(names)


def _direct(module: ImportedModule, known: Mapping[str, ImportedModule]) -> list[str]:
    """Project modules it imports, its packages included, but its enclosing packages."""
    name = module["name"]
    parts = name.split(".")
    parents = [".".join(parts[:depth]) for depth in range(1, len(parts))]
    around = _enclosing(module, known)
    wanted = {*module["imports"], *parents} - around
    return [d for d in wanted if d in known and d != name]


def _enclosing(module: ImportedModule, known: Mapping[str, ImportedModule]) -> set[str]:
    """Its packages whose body imported it (they started before it and ended after it):
    the package ``views`` whose ``__init__.py`` imports ``views.v00``. Such a package
    need not be kept for the module to be: a shell of it will do (``Decision.shells``).
    A package marked never-keep (it holds the app object) is no shell."""
    parts = module["name"].split(".")
    found = set()
    for depth in range(1, len(parts)):
        package = known.get(".".join(parts[:depth]))
        if package is None or package["never"] or not package["file"].endswith("__init__.py"):
            continue
        if package["start"] < module["start"] and module["end"] < package["end"]:
            found.add(package["name"])
    return found


def _own_reason(module: ImportedModule, changed: Collection[str]) -> str:
    if module["file"] in changed:
        return "it changed"
    read = next((path for path in module["files"] if path in changed), None)
    if read is not None:
        return f"it read {read}, which changed"
    return module["never"]


def _import_reason(direct: Sequence[str], why_not: Collection[str]) -> str:
    dropped = sorted(d for d in direct if d in why_not)
    return f"it imports {dropped[0]}, which is not kept" if dropped else ""


def never_kept(modules: Sequence[ImportedModule]) -> dict[str, str]:
    """Modules no change lets us keep, and why (for the log: said once each)."""
    return {m["name"]: m["never"] for m in modules if m["never"]}


def new_imports_of_kept(
    module: ImportedModule, imported: Collection[str], kept: Collection[str]
) -> list[str]:
    """Kept modules a changed module's new source imports (``imported``, from
    ``imported_by``) and the old did not.

    A guard, not the graph: such a module may now change a kept module's state, before
    or after modules that did the same in the run the keep set was decided from, and the
    kept ones ran already. Read from the source's import statements (``ast``), so an
    import made some other way is not seen. A source that does not parse adds nothing:
    the app process reports the SyntaxError.
    """
    had = set(module["imports"])
    return sorted(n for n in imported if n in kept and n not in had)


def imported_by(name: str, source: str, is_package: bool) -> set[str]:
    """The modules the import statements of module ``name`` (``source``) may run: the
    named ones, their packages, and each ``from`` item (it may be a submodule). Empty
    when the source does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    return _imported_names(tree, name if is_package else name.rpartition(".")[0])


def _imported_names(tree: ast.Module, package: str) -> set[str]:
    names: set[str] = set()
    for node in _import_time_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names |= _with_parents(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node.module or "", package, node.level)
            if base:
                names |= _with_parents(base)
                names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def _import_time_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but what a function body holds: run later, by a call, not at import."""
    found: list[ast.AST] = []
    waiting = [tree]
    while waiting:
        node = waiting.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            waiting.extend(ast.iter_child_nodes(node))
    return found


def absolute(name: str, package: str, level: int) -> str:
    """The module an import statement names, absolute (``from ..models import x``)."""
    if level == 0:
        return name
    bits = package.split(".") if package else []
    if level - 1 > len(bits):
        return ""
    base = ".".join(bits[: len(bits) - (level - 1)])
    return f"{base}.{name}" if name and base else (base or name)


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[: depth + 1]) for depth in range(len(parts))}
