"""A project whose modules have import-time side effects, written from parameters so
that a test can edit it at random and know what each file holds.

- ``app/__init__.py``: a module-level ``app = Flask(__name__)`` and the circular
  ``from app import routes`` (``app/routes.py`` does ``from app import app``);
- ``shop/counter.py``: every module notes itself when its body runs (the order shows);
- ``shop/registry.py``: a list filled at import by the modules that register;
- ``shop/db.py``: a ``Model`` base whose subclasses register themselves (as
  ``db.Model`` does), in ``models_a`` and ``models_b`` (which imports ``models_a``);
- ``shop/views/bp_N.py``: blueprints created at import, by the package's ``__init__.py``;
  a quiet one only makes its blueprint (an inert module, ``supervisor.inert``) and shows
  ``registry.LAST``, which each registration rebinds;
- ``shop/settings.py``: reads ``settings.cfg`` at import;
- ``shop/jobs.py``: starts a thread at import (never kept);
- ``tool_N.py``: top-level modules that share nothing (kept whatever else changes), until
  an edit makes one register too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

LEAVES = 3
TOOLS = 3
BLUEPRINTS = 2

_APP = """\
from flask import Flask

app = Flask(__name__)

from app import routes  # noqa: E402  (the circular pattern of many tutorials)
from shop import counter  # noqa: E402

APP_VALUE = {value}
ORDER = counter.bump("app")
"""

_ROUTES = """\
import json
import sys

from app import app
from shop import counter, registry, settings
from shop.db import Model
from shop import models_a, models_b
{views}
from shop import views
{leaves}
{tools}
from shop import jobs

{register_blueprints}
ROUTES_VALUE = {value}
ORDER = counter.bump("routes")


@app.route("/")
def index():
    import app as app_module

    return json.dumps(
        {{
            "counter": counter.SEEN,
            "registry": registry.ENTRIES,
            "models": [cls.__name__ for cls in Model.registry],
            "tables": Model.tables,
            "blueprints": list(app.blueprints),
            "views": views.NAMES,
            "urls": sorted(str(rule) for rule in app.url_map.iter_rules()),
            "settings": settings.VALUES,
            "leaves": [{leaf_values}],
            "last": [{last_values}],
            "tools": [{tool_values}],
            "routes": ROUTES_VALUE,
            "app": app_module.APP_VALUE,
            "jobs": jobs.STARTED,
        }}
    )


@app.route("/kept")
def kept():
    # For the test only: what the layer this process was forked from had imported.
    layer = sys.modules.get("failsafe_flask.child.imports_layer")
    return json.dumps(sorted(getattr(layer, "KEPT", ())))
"""

COUNTER = """\
SEEN = []


def bump(name):
    SEEN.append(name)
    return len(SEEN)
"""

_REGISTRY = """\
from shop import counter

ENTRIES = {entries}
LAST = None


def register(name):
    global LAST
    ENTRIES.append(name)
    LAST = name
    return len(ENTRIES)


ORDER = counter.bump("registry")
"""

_DB = """\
import time

from shop import counter

time.sleep(0.05)  # an ORM takes time to import: what makes a layer worth building


class Model:
    registry = []
    tables = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Model.registry.append(cls)
        Model.tables[cls.__tablename__] = len(Model.tables)


ORDER = counter.bump("db")
"""

_MODELS_A = """\
from shop import counter
from shop.db import Model


class User(Model):
    __tablename__ = "user"
{extra}
ORDER = counter.bump("models_a")
"""

_MODELS_B = """\
from shop import counter
from shop.db import Model
from shop.models_a import User


class Order(Model):
    __tablename__ = "order"
    owner = User
{extra}
ORDER = counter.bump("models_b")
"""

_SETTINGS = """\
import configparser
import os

from shop import counter

_parser = configparser.ConfigParser()
with open(os.path.join(os.path.dirname(__file__), "..", "settings.cfg")) as _file:
    _parser.read_file(_file)
VALUES = dict(_parser["shop"])
ORDER = counter.bump("settings")
"""

_JOBS = """\
import threading
import time

_worker = threading.Thread(target=time.sleep, args=(3600,), daemon=True)
_worker.start()
STARTED = True
"""

_BLUEPRINT = """\
from flask import Blueprint

from shop import counter, registry
from shop.models_b import Order

bp = Blueprint("bp_{index}", __name__, url_prefix="/bp{index}")


@bp.route("/")
def page():
    return "{text} " + Order.__tablename__

{register}
ORDER = counter.bump("bp_{index}")
"""

_QUIET_BLUEPRINT = """\
import logging

from flask import Blueprint
from flask.views import MethodView

from shop import counter
from shop.models_b import Order
from shop.registry import LAST

log = logging.getLogger(__name__)
bp = Blueprint("bp_{index}", __name__, url_prefix="/bp{index}")


class Count(MethodView):
    def get(self):
        return str(len(counter.SEEN))


bp.add_url_rule("/count", view_func=Count.as_view("count"))


@bp.route("/")
def page():
    text = "{text} " + Order.__tablename__ + str(LAST) + Count().get()
    return text + " " + log.name + str(log.getEffectiveLevel())
"""

# A package whose body imports its modules: one saved, the others stay kept in a layer
# that holds the package without having run its body (a shell).
_VIEWS = """\
from . import {names}
from shop import counter

NAMES = [{blueprints}]
ORDER = counter.bump("views")
"""

_LEAF = """\
from shop import counter{registry_import}

VALUE = {value}
{register}
ORDER = counter.bump("leaf_{index}")
"""

_TOOL = """\
{registry_import}
VALUE = {value}
{register}
"""


@dataclass
class Project:
    """Every parameter of the project; ``files()`` writes it out."""

    app: int = 0
    routes: int = 0
    registry: int = 0  # entries it starts with
    settings: int = 0
    models_a: int = 0  # extra models
    models_b: int = 0
    blueprints: list[tuple[int, bool]] = field(  # (text, registers)
        default_factory=lambda: [(0, False)] * BLUEPRINTS
    )
    quiet: list[bool] = field(default_factory=lambda: [True] + [False] * (BLUEPRINTS - 1))
    leaves: list[tuple[int, bool]] = field(default_factory=lambda: [(0, False)] * LEAVES)
    tools: list[tuple[int, bool]] = field(default_factory=lambda: [(0, False)] * TOOLS)

    def files(self) -> dict[str, str]:
        files = {
            "app/__init__.py": _APP.format(value=self.app),
            "app/routes.py": self._routes(),
            "settings.cfg": f"[shop]\nvalue = {self.settings}\n",
            "shop/__init__.py": "",
            "shop/views/__init__.py": _VIEWS.format(
                names=", ".join(f"bp_{i}" for i in range(BLUEPRINTS)),
                blueprints=", ".join(f"bp_{i}.bp.name" for i in range(BLUEPRINTS)),
            ),
            "shop/counter.py": COUNTER,
            "shop/registry.py": _REGISTRY.format(
                entries=[f"start-{n}" for n in range(self.registry)]
            ),
            "shop/db.py": _DB,
            "shop/models_a.py": _MODELS_A.format(extra=_extra_models("A", self.models_a)),
            "shop/models_b.py": _MODELS_B.format(extra=_extra_models("B", self.models_b)),
            "shop/settings.py": _SETTINGS,
            "shop/jobs.py": _JOBS,
        }
        for index, (text, registers) in enumerate(self.blueprints):
            template = _QUIET_BLUEPRINT if self.quiet[index] else _BLUEPRINT
            files[f"shop/views/bp_{index}.py"] = template.format(
                index=index,
                text=f"page {index}.{text}",
                register=f'registry.register("bp_{index}-{text}")' if registers else "",
            )
        for index, (value, registers) in enumerate(self.leaves):
            files[f"shop/leaf_{index}.py"] = _LEAF.format(
                index=index, value=value, **_registering(f"leaf_{index}", value, registers)
            )
        for index, (value, registers) in enumerate(self.tools):
            files[f"tool_{index}.py"] = _TOOL.format(
                value=value, **_registering(f"tool_{index}", value, registers)
            )
        return files

    def _routes(self) -> str:
        return _ROUTES.format(
            views="\n".join(f"from shop.views import bp_{i}" for i in range(BLUEPRINTS)),
            leaves="\n".join(f"from shop import leaf_{i}" for i in range(LEAVES)),
            tools="\n".join(f"import tool_{i}" for i in range(TOOLS)),
            register_blueprints="\n".join(
                f"app.register_blueprint(bp_{i}.bp)" for i in range(BLUEPRINTS)
            ),
            leaf_values=", ".join(f"leaf_{i}.VALUE" for i in range(LEAVES)),
            last_values=", ".join(f'str(getattr(bp_{i}, "LAST", "-"))' for i in range(BLUEPRINTS)),
            tool_values=", ".join(f"tool_{i}.VALUE" for i in range(TOOLS)),
            value=self.routes,
        )

    last: tuple[str, int] = ("", 0)  # the last edit's kind and index: often saved again

    def edit(self, rng: random.Random, step: int) -> list[str]:
        """One random edit; the files it changed."""
        kind, index = self.last
        if not kind or rng.random() < 0.4:
            kind = rng.choice(_KINDS)
            index = rng.randrange(3)
        self.last = (kind, index)
        if kind in ("blueprint", "leaf", "tool"):
            return self._edit_listed(kind, index, rng, step)
        setattr(self, kind, getattr(self, kind) + 1)
        return [_FILE_OF[kind]]

    def _edit_listed(self, kind: str, index: int, rng: random.Random, step: int) -> list[str]:
        listed = {"blueprint": self.blueprints, "leaf": self.leaves, "tool": self.tools}[kind]
        index %= len(listed)
        _, registers = listed[index]
        listed[index] = (step, registers != (rng.random() < 0.4))  # sometimes toggles
        if kind == "blueprint" and rng.random() < 0.3:
            self.quiet[index] = not self.quiet[index]
        folder = {"blueprint": "shop/views/bp_", "leaf": "shop/leaf_", "tool": "tool_"}
        return [f"{folder[kind]}{index}.py"]


_KINDS = [
    *("app", "routes", "registry", "settings", "models_a", "models_b"),
    *("blueprint", "leaf", "leaf", "tool", "tool"),
]
_FILE_OF = {
    "app": "app/__init__.py",
    "routes": "app/routes.py",
    "registry": "shop/registry.py",
    "settings": "settings.cfg",
    "models_a": "shop/models_a.py",
    "models_b": "shop/models_b.py",
}


def _extra_models(prefix: str, count: int) -> str:
    return "".join(
        f'\n\nclass Extra{prefix}{n}(Model):\n    __tablename__ = "extra_{prefix}{n}"\n'
        for n in range(count)
    )


def _registering(name: str, value: int, registers: bool) -> dict[str, str]:
    if not registers:
        return {"registry_import": "", "register": ""}
    return {
        "registry_import": ", registry" if name.startswith("leaf") else "from shop import registry",
        "register": f'registry.register("{name}-{value}")',
    }
