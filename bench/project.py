"""The generated project every peer runs: a small real-looking Flask app in a temp folder.

``app.py`` at the root (found by ``flask run``, ``python app.py`` and ``failsafe-flask
run`` alike), a package with a factory, five modules and a template. The marker the
benchmark waits for lives in ``shop/views.py``; the SyntaxError goes into
``shop/models.py``, a module the views import, so it breaks the app at import time.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PACKAGE = "shop"
EXTRA_DIRS = 100  # 100 folders x 100 modules = 10,000 extra .py files
MARKER_START = "marker-0"

_APP = '''"""Entry file: flask run, python app.py and failsafe-flask run all find `app` here."""

import os

from shop import create_app

app = create_app()

if __name__ == "__main__":
    app.run(debug=True, port=int(os.environ["BENCH_PORT"]))
'''

_INIT = """from flask import Flask

from .config import Settings


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_object(Settings)

    from . import views

    app.register_blueprint(views.bp)
    return app
"""

_CONFIG = """class Settings:
    SECRET_KEY = "bench"
    SHOP_NAME = "Bench Shop"
    PAGE_SIZE = 20
"""

_MODELS = """from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    cents: int


CATALOG = [Product(f"sku-{i}", f"Product {i}", 100 + 7 * i) for i in range(50)]


def find(sku: str) -> Optional[Product]:
    return next((p for p in CATALOG if p.sku == sku), None)
"""

_UTILS = """def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def page(items: list, number: int, size: int) -> list:
    start = max(number - 1, 0) * size
    return items[start : start + size]
"""

_FORMS = """from .models import find


def parse_quantity(text: str) -> int:
    try:
        return max(1, min(99, int(text)))
    except ValueError:
        return 1


def valid_sku(sku: str) -> bool:
    return find(sku) is not None
"""

_VIEWS = """from flask import Blueprint, abort, current_app, render_template, request

from . import forms, models, utils

bp = Blueprint("views", __name__)
MARKER = "{marker}"


@bp.route("/")
def index() -> str:
    number = forms.parse_quantity(request.args.get("page", "1"))
    items = utils.page(models.CATALOG, number, current_app.config["PAGE_SIZE"])
    return render_template("index.html", items=items, marker=MARKER, money=utils.money)


@bp.route("/product/<sku>")
def product(sku: str) -> str:
    item = models.find(sku) or abort(404)
    return f"{{item.name}}: {{utils.money(item.cents)}}"
"""

_TEMPLATE = """<!doctype html>
<title>{{ config.SHOP_NAME }}</title>
<p id="marker">{{ marker }}</p>
<ul>
{% for item in items %}  <li>{{ item.name }} - {{ money(item.cents) }}</li>
{% endfor %}</ul>
"""

_BROKEN_MODELS = _MODELS.replace("def find(sku: str)", "def find(sku: str")
# The process dies at import (a C extension's abort, a library calling os._exit): code 3,
# which Werkzeug's reloader takes for "restart me", as the issue that asked for it did.
_CRASHING_MODELS = "import os\n\nos._exit(3)\n" + _MODELS


class Project:
    """The files of the generated app, and the edits the benchmark makes to them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.views = root / PACKAGE / "views.py"
        self.models = root / PACKAGE / "models.py"
        self.extra = root / "vendor_extra"  # the 10,000 files, moved in and out whole
        self._parked = root.parent / "parked_extra"

    def create(self, extra_files: int) -> None:
        package = self.root / PACKAGE
        (package / "templates").mkdir(parents=True)
        _write(self.root / "app.py", _APP)
        for name, text in (
            ("__init__", _INIT),
            ("config", _CONFIG),
            ("models", _MODELS),
            ("utils", _UTILS),
            ("forms", _FORMS),
        ):
            _write(package / f"{name}.py", text)
        _write(package / "templates" / "index.html", _TEMPLATE)
        self.reset()
        _create_extra(self._parked, extra_files)

    def reset(self) -> None:
        """Back to the first version of every file the benchmark edits."""
        _write(self.views, _VIEWS.format(marker=MARKER_START))
        _write(self.models, _MODELS)

    def save_marker(self, marker: str, atomic: bool) -> None:
        text = _VIEWS.format(marker=marker)
        if atomic:  # what most editors do: a temp file, then rename over the original
            tmp = self.views.with_name(".views.py.tmp")
            _write(tmp, text)
            os.replace(tmp, self.views)
        else:
            _write(self.views, text)

    def break_models(self) -> None:
        _write(self.models, _BROKEN_MODELS)

    def crash_models(self) -> None:
        _write(self.models, _CRASHING_MODELS)

    def fix_models(self, marker: str) -> None:
        """The fix, saved together with a new marker so the fixed app is recognisable."""
        _write(self.models, _MODELS)
        self.save_marker(marker, atomic=True)

    def add_extra(self) -> None:
        os.replace(self._parked, self.extra)

    def remove_extra(self) -> None:
        if self.extra.exists():
            os.replace(self.extra, self._parked)

    def remove(self) -> None:
        shutil.rmtree(self.root.parent, ignore_errors=True)


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _create_extra(root: Path, count: int) -> None:
    # Every folder holds .py files: Werkzeug's stat reloader stops descending at a
    # folder with none, and the point is to make every watcher see all of them.
    per_dir = max(1, count // EXTRA_DIRS)
    root.mkdir()
    _write(root / "__init__.py", "")
    for d in range(max(1, count // per_dir)):
        folder = root / f"pkg{d:03d}"
        folder.mkdir()
        for i in range(per_dir):
            _write(folder / f"mod{i:03d}.py", f"VALUE = {d * per_dir + i}\n")
