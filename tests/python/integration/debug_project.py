"""A small real project for the debugger tests: a factory, a blueprint whose views call a
module, a template with a loop; the line numbers the tests set breakpoints on."""

from __future__ import annotations

import textwrap

INIT = """
from flask import Flask


def create_app():
    app = Flask(__name__)
    from . import views

    app.register_blueprint(views.bp)
    return app
"""


def views(label: str = "total") -> str:
    """shop/views.py, whose item page says ``label``."""
    return textwrap.dedent(
        f"""
        from flask import Blueprint, render_template

        from . import stock

        bp = Blueprint("views", __name__)


        @bp.route("/items/<int:count>")
        def items(count):
            total = count * 2
            return f"{label} {{total}}"


        @bp.route("/list/<int:count>")
        def listing(count):
            names = [stock.name(i) for i in range(count)]
            return render_template("list.html", names=names)


        @bp.route("/sum/<int:count>")
        def summed(count):
            result = 0
            for i in range(count):
                result += i
            return str(result)


        @bp.route("/missing")
        def missing():
            return stock.find("tea")
        """
    ).lstrip("\n")


STOCK = """
def name(index):
    return f"item-{index}"


def find(wanted):
    raise LookupError(f"no {wanted} in stock")
"""

TEMPLATE = """
<ul>
{% for name in names %}
  <li>{{ name }}</li>
{% endfor %}
</ul>
"""

FILES = {
    ".flaskenv": "FLASK_APP=shop\n",
    "shop/__init__.py": INIT.lstrip("\n"),
    "shop/views.py": views(),
    "shop/stock.py": STOCK.lstrip("\n"),
    "shop/templates/list.html": TEMPLATE.lstrip("\n"),
}

BLUEPRINT_LINE = 5  # `bp = Blueprint(...)`: runs when the module is imported
ITEMS_LINE = 11  # `return f"..."` in items(), with `total` set
LOOP_LINE = 24  # `result += i` in summed()
MISSING_LINE = 30  # `return stock.find("tea")` in missing()
RAISE_LINE = 6  # `raise LookupError(...)` in stock.find()
TEMPLATE_LINE = 3  # `<li>{{ name }}</li>` in list.html
