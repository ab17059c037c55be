"""Where an exception type is documented: the ``codeDescription`` of a diagnostic. Pure.

Types come as the app process names them (``child/exceptions.py type_name``): built-ins
unqualified (``NameError``), others with their module (``jinja2.exceptions.TemplateNotFound``).
Only the Python, Jinja and Werkzeug documentation is linked; any other type gets no link
rather than a guess.
"""

from __future__ import annotations

import builtins
from typing import Optional

PYTHON_DOCS = "https://docs.python.org/3/library/exceptions.html"
JINJA_DOCS = "https://jinja.palletsprojects.com/en/stable/api/"
WERKZEUG_DOCS = "https://werkzeug.palletsprojects.com/en/stable/exceptions/"

# Jinja documents these under ``jinja2.<Name>`` (its API page, "Exceptions" section).
_JINJA_DOCUMENTED = frozenset(
    {
        "TemplateError",
        "UndefinedError",
        "TemplateNotFound",
        "TemplatesNotFound",
        "TemplateSyntaxError",
        "TemplateRuntimeError",
        "TemplateAssertionError",
    }
)


def is_builtin_exception(name: str) -> bool:
    """A built-in exception or warning class of the server's Python.

    An app run by a newer Python may raise a built-in this one lacks: it gets no link.
    """
    found = getattr(builtins, name, None) if name.isidentifier() else None
    return isinstance(found, type) and issubclass(found, BaseException)


def doc_url(type_name: str) -> Optional[str]:
    """The documentation of ``type_name``, or None when it is not one we know."""
    module, _, name = type_name.rpartition(".")
    if not module:
        return f"{PYTHON_DOCS}#{name}" if is_builtin_exception(name) else None
    top = module.partition(".")[0]
    if top == "jinja2":
        anchor = f"jinja2.{name}" if name in _JINJA_DOCUMENTED else "exceptions"
        return f"{JINJA_DOCS}#{anchor}"
    if module == "werkzeug.exceptions":  # its HTTP errors; routing's are documented elsewhere
        return f"{WERKZEUG_DOCS}#werkzeug.exceptions.{name}"
    return None
