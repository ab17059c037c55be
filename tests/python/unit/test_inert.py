"""Which module bodies are inert (``supervisor.inert``): real-looking view modules."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pytest

from failsafe_flask.supervisor.inert import blueprints_made, why_not_inert

VIEW = '''"""Orders."""
from flask import Blueprint, jsonify, request
from flask_login import login_required

from ..forms.orders import OrderForm
from ..services import orders as service
from . import PREFIX

bp = Blueprint("orders", __name__, url_prefix="/orders", template_folder="templates")
MARKER = "m-1"
PAGE_SIZES = (10, 20, [50, {"max": 100}])
LABEL = f"orders {1}"


@bp.get("/")
def index(page=1, size=PAGE_SIZES):
    return jsonify(service.listing(int(request.args.get("page", page))))


@bp.route("/new", methods=["GET", "POST"])
@bp.errorhandler(404)
def create():
    return OrderForm().validate_on_submit()


bp.add_url_rule("/x", view_func=index)
bp.record_once(lambda state: state.app.add_url_rule("/", "home", index))

if __name__ == "__main__":
    print("not at import")
'''


def check(source: str, rebound: Mapping[str, Collection[str]] | None = None) -> str:
    return why_not_inert(source, "shop.views.orders", False, rebound or {})


def test_a_view_module_that_makes_a_blueprint_is_inert() -> None:
    assert check(VIEW) == ""
    assert (
        check("import flask\n\nbp = flask.Blueprint('b', __name__)\n@bp.get('/')\ndef f(): pass\n")
        == ""
    )
    assert why_not_inert("", "shop", True, {}) == ""


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("registry.ENTRIES.append('x')", "a call at import time"),
        ("ORDER = counter.bump('orders')", "a value computed at import time"),
        ("counter.TOTAL += 1", "an augassign statement"),
        ("class Order(Model):\n    pass", "a class that is not a Flask view"),
        ("log = logging.getLogger(__name__)", "a value computed at import time"),
        ("PREFIX2 = settings.PREFIX", "a value computed at import time"),
        ("NAME = TABLES['orders']", "a value computed at import time"),
        ("shop.LAST = 'x'", "an assignment to something other than a name"),
        ("@service.cached\ndef g(): pass", "a decorator that is neither a blueprint's nor"),
        ("@bp.get('/g')\n@login_required()\ndef g(): pass", "a decorator that is neither"),
        ("import logging\nlog = logging.getLogger(__name__)\nlog.info('x')", "a call at"),
        ("import logging\nlog = logging.getLogger(service.NAME)", "a value computed"),
        ("@bp.before_request\ndef g(x=service.LIMIT): pass", "a default that is no constant"),
        ("bp.route('/y')(service.view)", "a call at import time"),
        ("other = Blueprint('o', __name__, url_prefix=settings.PREFIX)", "a value computed"),
        ("bp.register_blueprint(Blueprint('c', __name__))", "a call at import time"),
        ("try:\n    import ujson\nexcept ImportError:\n    pass", "a try statement"),
        ("from .models import *", "a star import"),
        ("def bp(): pass", "a blueprint's or a view class's name is bound twice"),
        ("f = lambda x=service.LIMIT: x", "a value computed at import time"),
    ],
)
def test_what_is_not_inert_and_why(line: str, why: str) -> None:
    assert why in check(f"{VIEW}\n{line}\n")


@pytest.mark.parametrize(
    "lines",
    [
        "import logging\nlog = logging.getLogger(__name__)",
        "import logging as lg\nlog = lg.getLogger('shop.orders')",
        "from logging import getLogger\nlog = getLogger()",
        "@bp.get('/g')\n@login_required\ndef g(): pass",
        "import flask_login\n@bp.get('/g')\n@flask_login.fresh_login_required\ndef g(): pass",
    ],
)
def test_audited_calls_and_decorators_are_inert(lines: str) -> None:
    assert check(f"{VIEW}\n{lines}\n") == ""


@pytest.mark.parametrize(
    "lines",
    [
        "import logging\nlogging = service\nlog = logging.getLogger(__name__)",
        "from logging import getLogger\ndef getLogger(): pass\nlog = getLogger()",
        "from shop.auth import login_required\n@login_required\ndef g(): pass",
        "import shop.logging as logging\nlog = logging.getLogger(__name__)",
    ],
)
def test_a_name_that_only_looks_audited_is_not(lines: str) -> None:
    assert check(f"{VIEW}\n{lines}\n") != ""


VIEW_CLASS = """
from flask.views import MethodView


class OrderAPI(MethodView):
    \"\"\"One order.\"\"\"

    init_every_request = False
    decorators = [login_required]

    def get(self, id):
        return jsonify(service.get(id))

    @login_required
    def delete(self, id, force=False):
        return service.delete(id, force)


class Archived(OrderAPI):
    methods = ["GET"]


bp.add_url_rule("/<int:id>", view_func=OrderAPI.as_view("order"))
archived = Archived.as_view("archived", "extra")
"""


def test_a_class_based_view_is_inert() -> None:
    assert check(VIEW + VIEW_CLASS) == ""
    spelled = "import flask.views as views\nclass A(views.View):\n    pass\n"
    assert check(VIEW + spelled) == ""


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            ("    init_every_request", "    def __init__(self): pass\n    init_every_request"),
            "__init__",
        ),
        (("    decorators = [login_required]", "    decorators = [cache]"), "decorators not"),
        (("class Archived(OrderAPI)", "class Archived(Base)"), "not a Flask view"),
        (("class Archived(OrderAPI)", "@total\nclass Archived(OrderAPI)"), "a class statement"),
        (("class Archived(OrderAPI)", "class Archived(OrderAPI, metaclass=M)"), "a class state"),
        (("    methods = [", "    import os\n    methods = ["), "an import statement in"),
        (("    methods = [", "    x = service.X\n    methods = ["), "a value computed"),
        (('"archived", "extra"', '"archived", service.X'), "a value computed"),
        (("archived = Archived", "OrderAPI = 1\narchived = Archived"), "bound twice"),
        (("MethodView\n", "MethodView\nMethodView = object\n"), "not a Flask view"),
    ],
)
def test_what_makes_a_class_based_view_not_inert(change: tuple[str, str], why: str) -> None:
    source = VIEW + VIEW_CLASS.replace(*change)
    assert why in check(source)


def test_a_blueprint_class_from_elsewhere_is_not_flasks() -> None:
    source = "from shop.compat import Blueprint\n\nbp = Blueprint('b', __name__)\n"
    assert check(source) == "a value computed at import time (line 3)"
    shadowed = "from flask import Blueprint\nBlueprint = 1\nbp = Blueprint('b', __name__)\n"
    assert check(shadowed) != ""


def test_an_imported_name_that_a_later_module_rebinds_is_not_inert() -> None:
    rebound = {"shop.services.orders": ["LIMIT"], "shop.views": ["PREFIX"]}
    assert "it imports shop.views.PREFIX, which a later module rebinds" in check(VIEW, rebound)
    assert check(VIEW, {"shop.views": ["OTHER"]}) == ""
    package = "from .orders import LIMIT\n"  # relative to the package itself
    assert why_not_inert(package, "shop.services", True, rebound) != ""


def test_a_source_that_does_not_parse_is_not_inert() -> None:
    assert check("def (:") == "it does not parse"


ROUTES = """
from app import db
from app.main import bp


@bp.route("/")
def index():
    return db.name
"""
PACKAGE = """
from flask import Blueprint

bp = Blueprint("main", __name__)

from app.main import routes
"""


def test_a_blueprint_made_by_a_module_each_restart_reruns_may_be_decorated() -> None:
    assert "neither a blueprint's" in why_not_inert(ROUTES, "app.main.routes", False, {})
    fresh = {"app.main": ["bp"]}
    assert why_not_inert(ROUTES, "app.main.routes", False, {}, fresh) == ""
    assert why_not_inert(ROUTES, "app.main.routes", False, {}, {"app.auth": ["bp"]}) != ""
    rebinds = ROUTES + "bp = None\n"
    assert "bound twice" in why_not_inert(rebinds, "app.main.routes", False, {}, fresh)


def test_the_blueprints_an_inert_module_makes() -> None:
    assert blueprints_made(PACKAGE, "app.main", True, {}) == {"bp"}
    assert blueprints_made(PACKAGE + "print('x')\n", "app.main", True, {}) is None
    imported = "from app.blueprints import main as bp\nfrom app.main import routes\n"
    assert blueprints_made(imported, "app.main", True, {}) == set()
    passed_on = "from app import bp\n"  # a blueprint it imports is not one it makes
    assert blueprints_made(passed_on, "app.main", True, {}) == set()
