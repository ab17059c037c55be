"""framework.py (a frame outside the project named by its package) and exception_docs.py
(the documentation link of an exception type): pure mappings."""

from __future__ import annotations

from typing import Optional

import pytest

from failsafe_flask import exception_docs, framework
from failsafe_flask.protocol import Frame

SITE = "/home/me/shop/.venv/lib/python3.11/site-packages"


@pytest.mark.parametrize(
    ("path", "shown", "package"),
    [
        (f"{SITE}/flask/app.py", "flask/app.py", "flask"),
        (f"{SITE}/jinja2/environment.py", "jinja2/environment.py", "jinja2"),
        ("/usr/lib/python3/dist-packages/werkzeug/serving.py", "werkzeug/serving.py", "werkzeug"),
        ("/usr/lib/python3.11/json/decoder.py", "json/decoder.py", "json"),
        ("/usr/lib/python3.13t/threading.py", "threading.py", "threading"),
        (f"{SITE}/six.py", "six.py", "six"),
        (
            "C:\\Users\\me\\shop\\.venv\\Lib\\site-packages\\flask\\app.py",
            "flask/app.py",
            "flask",
        ),
        ("/opt/vendored/helpers.py", "/opt/vendored/helpers.py", "helpers"),
        (
            "<frozen importlib._bootstrap>",
            "<frozen importlib._bootstrap>",
            "<frozen importlib._bootstrap>",
        ),
    ],
)
def test_a_file_outside_the_project_is_named_with_its_package(
    path: str, shown: str, package: str
) -> None:
    assert framework.package_path(path) == shown
    assert framework.package_name(path) == package


def _frame(path: str, line: int, function: str) -> Frame:
    return {
        "file": path,
        "line": line,
        "end_line": line,
        "col": None,
        "end_col": None,
        "function": function,
        "text": "",
        "project": False,
    }


def test_the_summary_counts_names_the_packages_and_the_deepest_frame() -> None:
    hidden = [
        _frame(f"{SITE}/flask/app.py", 1511, "wsgi_app"),
        _frame(f"{SITE}/flask/app.py", 919, "full_dispatch_request"),
        _frame(f"{SITE}/werkzeug/local.py", 318, "__get__"),
        _frame(f"{SITE}/jinja2/loaders.py", 204, "get_source"),
    ]
    assert framework.summary(hidden, hidden[-1]) == (
        "+ 4 frames in flask, jinja2, werkzeug (deepest: jinja2/loaders.py:204, in get_source)"
    )
    one = framework.summary(hidden[:1], hidden[0])
    assert one == "+ 1 frame in flask (deepest: flask/app.py:1511, in wsgi_app)"


PY = "https://docs.python.org/3/library/exceptions.html"
JINJA = "https://jinja.palletsprojects.com/en/stable/api/"
WERKZEUG = "https://werkzeug.palletsprojects.com/en/stable/exceptions/"


@pytest.mark.parametrize(
    ("type_name", "url"),
    [
        ("NameError", f"{PY}#NameError"),
        ("ModuleNotFoundError", f"{PY}#ModuleNotFoundError"),
        ("SyntaxError", f"{PY}#SyntaxError"),
        ("DeprecationWarning", f"{PY}#DeprecationWarning"),
        ("jinja2.exceptions.TemplateNotFound", f"{JINJA}#jinja2.TemplateNotFound"),
        ("jinja2.exceptions.UndefinedError", f"{JINJA}#jinja2.UndefinedError"),
        ("jinja2.exceptions.SecurityError", f"{JINJA}#exceptions"),
        ("werkzeug.exceptions.NotFound", f"{WERKZEUG}#werkzeug.exceptions.NotFound"),
        ("werkzeug.routing.exceptions.BuildError", None),  # not on the exceptions page
        ("json.decoder.JSONDecodeError", None),
        ("myshop.errors.PaymentError", None),
        ("NotABuiltin", None),  # a user's class defined in __main__ comes qualified; guard anyway
        ("print", None),  # a built-in, but not an exception
        ("TimeoutError", f"{PY}#TimeoutError"),  # the load watchdog's
    ],
)
def test_each_exception_type_links_its_documentation(type_name: str, url: Optional[str]) -> None:
    assert exception_docs.doc_url(type_name) == url
