"""No import cycle in the package, hidden or not.

Every import counts: at module level, inside functions (a cycle deferred to call time is
still a cycle) and under ``TYPE_CHECKING`` (it still says which module knows which).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import failsafe_flask

PACKAGE = Path(failsafe_flask.__file__).resolve().parent
ROOT = PACKAGE.parent

Graph = dict[str, set[str]]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The package's own modules that ``path`` imports, anywhere in it."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {target for target in found if target in known and target != name}


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


def import_graph(package: Path = PACKAGE, root: Path = ROOT) -> Graph:
    files = sorted(package.rglob("*.py"))
    known = {module_name(path, root) for path in files}
    return {module_name(path, root): imported_modules(path, known, root) for path in files}


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = list(_pop_until(stack, node))
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _pop_until(stack: list[str], node: str) -> Iterator[str]:
    while True:
        top = stack.pop()
        yield top
        if top == node:
            return


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "failsafe_flask.supervisor.core" in graph  # the walk found the package
    assert cycles(graph) == []


def test_the_walk_sees_hidden_imports(tmp_path: Path) -> None:
    """A cycle behind a function-level import and a TYPE_CHECKING import is found."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n"
    )
    (package / "sub" / "b.py").write_text("def f():\n    from ..sub import c\n")
    (package / "sub" / "c.py").write_text("from pkg.sub import a\nimport pkg.sub.b\n")
    (package / "d.py").write_text("from .sub import a\n")
    graph = import_graph(package, tmp_path)
    assert graph["pkg.sub.b"] == {"pkg.sub.c"}
    assert graph["pkg.d"] == {"pkg.sub.a"}
    assert cycles(graph) == [["pkg.sub.a", "pkg.sub.b", "pkg.sub.c"]]
