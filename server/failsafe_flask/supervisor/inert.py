"""Is a module body inert: does running it change nothing but its own namespace?

An inert module that is not kept (it was saved) may run after kept modules that ran
after it in a cold start (``keep``, rule 4): it writes nothing they could read, and what
it reads (the names it imports) they did not rebind. The typical view module is inert:

    from flask import Blueprint, jsonify
    from ..services import orders

    bp = Blueprint("orders", __name__, url_prefix="/orders")

    @bp.get("/")
    def index():
        return jsonify(orders.listing())

Read from the source (``ast``), conservatively: any statement or call not known to be
inert makes the module not inert. Known inert at import time: imports; ``def`` with
inert decorators and defaults; names bound to constants, to other names, to lambdas;
a few functions audited one by one (``logging.getLogger``, Flask-Login's
``login_required`` as a decorator); ``Blueprint(...)`` from Flask with constant
arguments; and the methods of such a blueprint, which record on the blueprint itself
until the app registers it (a call of the factory, which runs after every import in a
restart as in a cold start).

What it reads: each ``from X import y`` of a project module X is checked against the
names the last run saw rebound in X after X's body (``ImportedModule.rebound``).
Assumed, not checked: annotations, evaluated at ``def``, only read; project modules do
not rebind names of third-party modules (``flask.Blueprint``) at import time.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping

from .keep import absolute

# Blueprint methods that record on the blueprint (``Blueprint.record``), or store a
# function on it, and change no other object before the app registers it.
BLUEPRINT_METHODS = frozenset(
    {
        *("route", "get", "post", "put", "delete", "patch", "add_url_rule", "endpoint"),
        *("before_request", "after_request", "teardown_request", "before_app_request"),
        *("after_app_request", "teardown_app_request", "errorhandler", "app_errorhandler"),
        *("register_error_handler", "context_processor", "app_context_processor"),
        *("url_value_preprocessor", "url_defaults", "app_url_value_preprocessor"),
        *("app_url_defaults", "app_template_filter", "add_app_template_filter"),
        *("app_template_global", "add_app_template_global", "app_template_test"),
        *("add_app_template_test", "record", "record_once", "register_blueprint"),
    }
)
_BLUEPRINT_CLASSES = {("flask", "Blueprint"), ("flask.blueprints", "Blueprint")}
# Audited, one by one, for what calling them at import time does: nothing outside what
# they return. ``getLogger`` makes or finds a logger (the same, in whichever order the
# modules ask); ``login_required`` wraps the view it decorates and reads nothing yet.
_PURE_CALLS = {("logging", "getLogger")}
_PURE_DECORATORS = {
    *(("flask_login", name) for name in ("login_required", "fresh_login_required")),
    *(("flask_login.utils", name) for name in ("login_required", "fresh_login_required")),
}
# Class-based views: making a subclass sets ``methods`` on the subclass only, and
# ``as_view`` makes a view function (an instance too, which has no ``__init__`` of its
# own when no dunder is defined: see ``_class_body``).
_VIEW_CLASSES = {
    *(("flask.views", name) for name in ("View", "MethodView")),
    *(("flask", name) for name in ("View", "MethodView")),  # not exported, but harmless
}
_MODULE = ""  # the attribute part of what ``import X`` binds: the module itself
_NOT_RUN_ON_IMPORT = "__main__"  # an ``if __name__ == "__main__":`` block


Fresh = Mapping[str, Collection[str]]  # module -> the blueprints it makes in every restart


def why_not_inert(
    source: str,
    name: str,
    is_package: bool,
    rebound: Mapping[str, Collection[str]],
    fresh: Fresh | None = None,
) -> str:
    """ "" when the body of module ``name`` (``source``) is inert, else why not.
    ``rebound``: for each project module, its names rebound after its body. ``fresh``:
    blueprints made by inert modules that every restart re-runs (they import a saved
    one), which no kept module can see: a module may decorate them as its own (a
    package's ``__init__.py`` makes ``bp``, its ``routes.py`` does ``@bp.route``)."""
    return _judge(source, name, is_package, rebound, fresh or {})[0]


def blueprints_made(
    source: str, name: str, is_package: bool, rebound: Mapping[str, Collection[str]]
) -> frozenset[str] | None:
    """The names of the blueprints an inert module makes; None when it is not inert."""
    why, made = _judge(source, name, is_package, rebound, {})
    return None if why else made


def _judge(
    source: str, name: str, is_package: bool, rebound: Mapping[str, Collection[str]], fresh: Fresh
) -> tuple[str, frozenset[str]]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return "it does not parse", frozenset()
    package = name if is_package else name.rpartition(".")[0]
    body = _Body(package, rebound, fresh)
    return body.why_not(tree), frozenset(body.made)


class _Body:
    def __init__(self, package: str, rebound: Mapping[str, Collection[str]], fresh: Fresh) -> None:
        self._package = package
        self._rebound = rebound
        self._fresh = fresh
        self.made: set[str] = set()  # the blueprints made here (once ``why_not`` said "")
        self._origins: dict[str, tuple[str, str]] = {}  # name -> (module, attribute) imported
        self._blueprints: set[str] = set()  # names bound to a Blueprint made here or fresh
        self._imported_blueprints: set[str] = set()  # the fresh ones
        self._views: set[str] = set()  # names bound to an inert view class made here
        self._other: set[str] = set()  # names bound some other way

    def why_not(self, tree: ast.Module) -> str:
        for node in tree.body:
            reason = self._statement(node)
            if reason:
                return f"{reason} (line {node.lineno})"
        made_here = self._blueprints | self._views
        bound_otherwise = self._other | set(self._origins)
        if made_here & bound_otherwise or self._blueprints & self._views:
            return "a blueprint's or a view class's name is bound twice"
        self.made = self._blueprints - self._imported_blueprints
        return ""

    def _statement(self, node: ast.stmt) -> str:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return self._import(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self._function(node)
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            return self._assignment(node)
        if isinstance(node, ast.ClassDef):
            return self._class(node)
        if isinstance(node, ast.Expr):
            return "" if self._inert(node.value) else "a call at import time"
        if isinstance(node, ast.If) and _is_main_check(node.test):
            return ""
        if isinstance(node, ast.Pass):
            return ""
        return f"{_a(type(node).__name__.lower())} statement at import time"

    def _import(self, node: ast.Import | ast.ImportFrom) -> str:
        if isinstance(node, ast.Import):
            for alias in node.names:
                # ``import a.b`` binds a (to module a), ``import a.b as c`` binds c to a.b.
                module = alias.name if alias.asname else alias.name.partition(".")[0]
                self._origins[alias.asname or module] = (module, _MODULE)
            return ""
        module = absolute(node.module or "", self._package, node.level)
        for alias in node.names:
            if alias.name == "*":
                return "a star import"
            if alias.name in self._rebound.get(module, ()):
                return f"it imports {module}.{alias.name}, which a later module rebinds"
            bound = alias.asname or alias.name
            if alias.name in self._fresh.get(module, ()):
                self._blueprints.add(bound)  # made afresh by a module each restart re-runs
                self._imported_blueprints.add(bound)
            elif node.level == 0:
                self._origins[bound] = (module, alias.name)
            else:
                self._other.add(bound)
        return ""

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        self._other.add(node.name)
        if not all(self._decorator(d) for d in node.decorator_list):
            return "a decorator that is neither a blueprint's nor known to be pure"
        inert = all(self._value(d) for d in _defaults(node.args))
        return "" if inert else "a default that is no constant"

    def _assignment(self, node: ast.Assign | ast.AnnAssign) -> str:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if len(names) != len(targets):
            return "an assignment to something other than a name"
        if node.value is None:  # ``x: int``: an annotation only
            return ""
        if len(names) == 1 and self._is_new_blueprint(node.value):
            self._blueprints.add(names[0])
            return ""
        self._other.update(names)
        return "" if self._value(node.value) else "a value computed at import time"

    def _class(self, node: ast.ClassDef) -> str:
        if node.decorator_list or node.keywords or not node.bases:
            return "a class statement at import time"
        if not all(self._is_view_class(base) for base in node.bases):
            return "a class that is not a Flask view at import time"
        module_names = (set(self._other), set(self._blueprints), set(self._views))
        reason = next(filter(None, map(self._class_statement, node.body)), "")
        # What the body binds are the class's attributes, not the module's names.
        self._other, self._blueprints, self._views = module_names
        if reason:
            return reason
        self._views.add(node.name)
        return ""

    def _class_statement(self, node: ast.stmt) -> str:
        """In a view class's body: what a module may hold, but no ``__dunder__`` (an
        ``__init__`` would run at ``as_view``), and ``decorators`` only of pure ones."""
        named = getattr(node, "name", "") or "".join(_target_names(node))
        if named.startswith("__") and named.endswith("__"):
            return f"a view class that defines {named}"
        if _target_names(node) == ["decorators"]:
            value = getattr(node, "value", None)
            if not isinstance(value, (ast.List, ast.Tuple)) or not all(
                self._origin(e) in _PURE_DECORATORS for e in value.elts
            ):
                return "a view class's decorators not known to be pure"
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.ClassDef, ast.If)):
            return f"{_a(type(node).__name__.lower())} statement in a view class"
        return self._statement(node)

    def _is_view_class(self, node: ast.expr) -> bool:
        return self._is_view_made_here(node) or self._origin(node) in _VIEW_CLASSES

    def _is_view_made_here(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id in self._views and node.id not in self._other

    def _is_as_view(self, node: ast.expr) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "as_view"
            and self._is_view_made_here(node.value)
        )

    def _decorator(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            return self._is_blueprint_method(node.func) and self._arguments(node)
        return self._is_blueprint_method(node) or self._origin(node) in _PURE_DECORATORS

    def _inert(self, node: ast.expr) -> bool:
        """An expression statement: a docstring, or a blueprint method's call."""
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Call) and self._is_blueprint_method(node.func):
            return self._arguments(node)
        return False

    def _value(self, node: ast.expr) -> bool:
        """A value that reads no object's content: constants, names, lambdas, containers."""
        if isinstance(node, (ast.Constant, ast.Name)):
            return True
        if isinstance(node, ast.Call) and (
            self._origin(node.func) in _PURE_CALLS or self._is_as_view(node.func)
        ):
            return self._arguments(node)
        if isinstance(node, ast.Lambda):  # its defaults are evaluated now, its body later
            return all(self._value(d) for d in _defaults(node.args))
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return all(self._value(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(k is None or self._value(k) for k in node.keys) and all(
                self._value(v) for v in node.values
            )
        if isinstance(node, ast.JoinedStr):
            return all(
                isinstance(v, ast.Constant)
                or (isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Constant))
                for v in node.values
            )
        return False

    def _arguments(self, call: ast.Call) -> bool:
        return all(self._value(a) for a in call.args) and all(
            self._value(k.value) for k in call.keywords
        )

    def _is_new_blueprint(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Call) or not self._arguments(node):
            return False
        return self._origin(node.func) in _BLUEPRINT_CLASSES

    def _origin(self, node: ast.expr) -> tuple[str, str] | None:
        """(module, attribute) an imported name or a module's attribute stands for, when
        nothing else in this module binds that name."""
        if isinstance(node, ast.Name):
            return None if node.id in self._other else self._origins.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = self._origin(node.value)
            if module is not None and module[1] == _MODULE:
                return (module[0], node.attr)
        return None

    def _is_blueprint_method(self, node: ast.expr) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr in BLUEPRINT_METHODS
            and isinstance(node.value, ast.Name)
            and node.value.id in self._blueprints
        )


def _is_main_check(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == _NOT_RUN_ON_IMPORT
    )


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _target_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _defaults(args: ast.arguments) -> list[ast.expr]:
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
