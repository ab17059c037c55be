"""The apps a project could run, found by reading its files: nothing is imported.

When neither ``--app`` nor ``FLASK_APP`` names the app and there is no ``wsgi.py`` or
``app.py`` at the top, ``flask run`` gives up. Most such projects still hold an app: a
package with a ``create_app`` factory (Flask's tutorial), an ``app.py`` in a subfolder.
Each module that assigns ``Flask(...)`` (or a subclass such as ``APIFlask``) to a
module-level name, or defines ``create_app`` / ``make_app``, is a candidate, spelled as
``flask --app`` takes it. The walk is bounded: excluded folders are skipped, and at most
``MAX_FILES`` files of at most ``MAX_BYTES`` are read.
"""

from __future__ import annotations

import ast
import os
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional

from .config import DEFAULT_EXCLUDES
from .globs import glob_match

MAX_FILES = 2000
MAX_BYTES = 512 * 1024
MAX_DEPTH = 6
MAX_CANDIDATES = 20
FACTORIES = ("create_app", "make_app")
# Never the app to run: tests, their fixtures, docs and migration scripts.
SKIPPED_FOLDERS = ("tests", "test", "docs", "migrations", "alembic")
_TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.py$")
# The fallback for a file that does not parse: a failsafe tool must offer a broken app.
_INSTANCE_LINE = re.compile(r"^(\w+)\s*(?::[^=]*)?=\s*(?:\w+\.)*\w*Flask\(", re.MULTILINE)
_FACTORY_LINE = re.compile(r"^(?:async\s+)?def\s+(create_app|make_app)\s*\(", re.MULTILINE)


@dataclass(frozen=True)
class Candidate:
    app: str  # the --app form: "flaskr:create_app", "backend/app.py:app"
    file: str  # relative to the project root, "/"-separated
    name: str  # the instance or factory: "app", "create_app"
    factory: bool


def find_candidates(root: str) -> list[Candidate]:
    """The candidates below ``root``, the likeliest first (shallow, conventional names)."""
    found: list[Candidate] = []
    for rel in _python_files(root):
        text = _read(os.path.join(root, rel))
        if text is None:
            continue
        for name, factory in app_names(text):
            found.append(Candidate(app_form(root, rel, name), rel, name, factory))
    found.sort(key=_rank)
    return found[:MAX_CANDIDATES]


def app_names(source: str) -> list[tuple[str, bool]]:
    """(name, is_factory) of what Flask could load from this module, in Flask's order.

    Flask tries ``app`` / ``application``, then a single Flask instance, then the
    factories: one instance with a usual name is the app, and a factory beside it is
    then only how it was made.
    """
    if not any(word in source for word in ("Flask", *FACTORIES)):
        return []
    instances, factories = _scan(source)
    usual = [name for name in instances if name in ("app", "application")]
    if usual:
        return [(usual[0], False)]
    if instances:
        return [(name, False) for name in instances]
    return [(name, True) for name in FACTORIES if name in factories]


def app_form(root: str, rel: str, name: str) -> str:
    """``rel``'s module as ``flask --app`` takes it, with ``:name``.

    Flask's ``prepare_import`` walks up while folders hold an ``__init__.py`` and puts
    the folder above on ``sys.path``. When that folder is the root, the dotted module
    reads best (``flaskr``, ``pkg.web``); below it the path form makes Flask put the
    right folder on ``sys.path`` (``backend/app.py``, ``src/flaskr``).
    """
    parts = rel[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    depth = len(parts) - 1
    while depth > 0 and os.path.isfile(os.path.join(root, *parts[:depth], "__init__.py")):
        depth -= 1
    if depth == 0:
        return f"{'.'.join(parts)}:{name}"
    target = rel[: -len("/__init__.py")] if rel.endswith("/__init__.py") else rel
    return f"{target}:{name}"


def _scan(source: str) -> tuple[list[str], set[str]]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return _INSTANCE_LINE.findall(source), set(_FACTORY_LINE.findall(source))
    instances: list[str] = []
    factories: set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in FACTORIES:
            factories.add(node.name)
        target = _assigned_name(node)
        if target and target not in instances and _makes_app(node, target):
            instances.append(target)
    return instances, factories


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at import, ``if``/``try`` blocks included (not ``__main__`` ones)."""
    for node in body:
        yield node
        if isinstance(node, ast.If) and not _is_main_guard(node.test):
            yield from _module_level(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from _module_level(node.body + node.orelse + node.finalbody)


def _is_main_guard(test: ast.expr) -> bool:
    return isinstance(test, ast.Compare) and "__main__" in ast.dump(test)


def _assigned_name(node: ast.stmt) -> Optional[str]:
    targets = node.targets if isinstance(node, ast.Assign) else []
    if isinstance(node, ast.AnnAssign):
        targets = [node.target]
    if len(targets) == 1 and isinstance(targets[0], ast.Name):
        return targets[0].id
    return None


def _makes_app(node: ast.stmt, target: str) -> bool:
    """``x = Flask(...)``; or ``app = create_app()``, as in a wsgi.py."""
    value = getattr(node, "value", None)
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return called.endswith("Flask") or (called in FACTORIES and target in ("app", "application"))


def _rank(candidate: Candidate) -> tuple[int, int, str]:
    base = candidate.file.rsplit("/", 1)[-1]
    usual = {"app.py": 0, "wsgi.py": 1, "__init__.py": 2}.get(base, 3)
    return candidate.file.count("/"), usual, candidate.file


def _python_files(root: str) -> Iterator[str]:
    """Relative paths of the project's Python files, breadth-first, at most MAX_FILES."""
    queue, count = deque([""]), 0
    while queue:
        folder = queue.popleft()
        for entry in _entries(os.path.join(root, folder)):
            rel = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_dir(follow_symlinks=False):
                if rel.count("/") < MAX_DEPTH and not _skipped_folder(entry):
                    queue.append(rel)
            elif entry.name.endswith(".py") and not _TEST_FILE.match(entry.name):
                count += 1
                if count > MAX_FILES:
                    return
                yield rel


def _entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return []


def _skipped_folder(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith(".") or name in SKIPPED_FOLDERS:
        return True
    if any(glob_match(pattern, name) for pattern in DEFAULT_EXCLUDES):
        return True
    # A virtual environment, whatever its name.
    return os.path.isfile(os.path.join(entry.path, "pyvenv.cfg"))


def _read(path: str) -> Optional[str]:
    try:
        if os.path.getsize(path) > MAX_BYTES:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None
