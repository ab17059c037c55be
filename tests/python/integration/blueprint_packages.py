"""A project laid out as Flask's larger tutorials lay it out: a factory that imports each
blueprint package inside ``create_app``, a package per blueprint whose ``__init__.py``
makes the blueprint and then imports its ``routes`` module, which decorates it.

``main.routes`` is inert (it only decorates the blueprint its package made); the
``auth`` blueprint counts itself at import, after ``main`` in a cold start, and shares
``models`` and ``counter`` with it.

``shared=True``: the ``main`` blueprint is made by ``app/blueprints.py`` instead, which
no restart re-runs, and ``auth.routes`` records on it too. The order of the records shows
in ``counter``: ``main.routes`` decorating it is not inert then.
"""

from __future__ import annotations

from integration.incremental_project import COUNTER

FACTORY = """\
import json
import sys

from flask import Flask

from app import counter

STARTED = counter.bump("app")  # as an extension object made at import (db = SQLAlchemy())


def create_app():
    app = Flask(__name__)
    # Imported first, then registered: registering runs the blueprints' records, which a
    # later import's body would see (keep.py's assumption about code before an import).
    from app.main import bp as main_bp  # noqa: I001  (main first: auth runs after it)
    from app.auth import bp as auth_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")

    @app.route("/state")
    def state():
        urls = sorted(str(rule) for rule in app.url_map.iter_rules())
        views = {name: app.view_functions[name]() for name in ("main.index", "auth.login")}
        return json.dumps({"counter": counter.SEEN, "urls": urls, "views": views})

    @app.route("/kept")
    def kept():
        # For the test only: what the layer this process was forked from had imported.
        layer = sys.modules.get("failsafe_flask.child.imports_layer")
        return json.dumps(sorted(getattr(layer, "KEPT", ())))

    return app
"""

MODELS = """\
from app import counter

ORDER = counter.bump("models")
"""

PACKAGE = """\
from flask import Blueprint

bp = Blueprint("{name}", __name__)

from app.{name} import routes  # noqa: E402,F401  (after bp: routes decorates it)
"""

SHARED = """\
from flask import Blueprint

main = Blueprint("main", __name__)
"""

SHARED_PACKAGE = """\
from app.blueprints import main as bp

from app.main import routes  # noqa: E402,F401
"""

MAIN_ROUTES = """\
import logging

from app import counter
from app.main import bp
from app.models import ORDER

log = logging.getLogger(__name__)


@bp.route("/")
def index():
    return "main {text} " + str(ORDER)


bp.record(lambda state: counter.bump("main's record"))
"""

AUTH_ROUTES = """\
import time

from app import counter
from app.auth import bp
from app.models import ORDER

COUNT = counter.bump("auth")
{shared}
time.sleep(0.05)  # heavy imports (an ORM, a form library): what makes a layer worth it


@bp.route("/login")
def login():
    return "login " + str(ORDER) + " " + str(COUNT)
"""


_RECORD_ON_MAIN = """
from app.blueprints import main  # noqa: E402

main.record(lambda state: counter.bump("auth's record on main"))
"""


def files(text: str, shared: bool = False) -> dict[str, str]:
    made = {"app/blueprints.py": SHARED} if shared else {}
    return {
        **made,
        "app/__init__.py": FACTORY,
        "app/counter.py": COUNTER,
        "app/models.py": MODELS,
        "app/main/__init__.py": SHARED_PACKAGE if shared else PACKAGE.format(name="main"),
        "app/main/routes.py": MAIN_ROUTES.format(text=text),
        "app/auth/__init__.py": PACKAGE.format(name="auth"),
        "app/auth/routes.py": AUTH_ROUTES.format(shared=_RECORD_ON_MAIN if shared else ""),
    }
