"""Over the real language server: a request error's diagnostic names its type with a
documentation link, and its related information starts with the project's own frame."""

from __future__ import annotations

from lsprotocol import types as lsp

from .conftest import SessionFactory

APP = """from flask import Flask

from shop.views import bp

app = Flask(__name__)
app.register_blueprint(bp)
"""
VIEWS = """from flask import Blueprint, render_template

from shop.prices import total

bp = Blueprint("shop", __name__)


@bp.route("/cart")
def cart():
    return render_template("cart.html", total=total({"apple": 3}))
"""
PRICES = """PRICES = {"pear": 2}


def total(cart):
    return sum(PRICES[name] * count for name, count in cart.items())
"""


async def test_a_request_error_has_its_code_and_the_users_frames_first(
    lsp_session: SessionFactory,
) -> None:
    files = {
        "app.py": APP,
        "shop/__init__.py": "",
        "shop/views.py": VIEWS,
        "shop/prices.py": PRICES,
        "templates/cart.html": "<p>{{ total }}</p>\n",
        ".flaskenv": "FLASK_APP=app.py\n",
    }
    session = await lsp_session(files=files)
    mark = session.mark()
    await session.command("failsafe-flask.start")
    await session.state("running", after=mark)
    assert (await session.get("/cart"))[0] == 500

    prices = session.uri("shop/prices.py")
    found = lambda: [d for d in session.diagnostics.get(prices, []) if d.severity == 1]  # noqa: E731
    [error] = await session.until(found, "the KeyError")
    assert error.message == "KeyError: 'apple' (GET /cart)"
    assert error.code == "KeyError"
    assert error.code_description == lsp.CodeDescription(
        href="https://docs.python.org/3/library/exceptions.html#KeyError"
    )
    assert error.range.start.line == 4
    related = error.related_information or []
    # Both frames on line 5 (total, its generator) are the error's own line: not repeated.
    # The user's caller comes first, then one entry for all of Flask's frames.
    first = related[0].location
    assert (first.uri, first.range.start.line) == (session.uri("shop/views.py"), 9)
    assert related[0].message == "called from here (in cart)"
    assert len(related) == 2
    assert related[1].message.startswith("+ ")
    assert "frames in flask (deepest: flask/app.py:" in related[1].message
    assert "/site-packages/flask/app.py" in related[1].location.uri
