"""Load the user's app exactly as ``flask run`` does, and say what really went wrong."""

from __future__ import annotations

import os
import re
import sys
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING, Optional

from failsafe_flask.child import nulbytes
from failsafe_flask.child.compat import require_supported
from failsafe_flask.child.envfile import load_project_env
from failsafe_flask.child.exceptions import describe
from failsafe_flask.config import DISCOVERY_FILES
from failsafe_flask.protocol import ExceptionInfo

if TYPE_CHECKING:
    from flask import Flask

# How ScriptInfo.load_app splits "module:name" (a colon followed by a path separator is a
# Windows drive, not a separator).
_SPEC_SPLIT = re.compile(r":(?![\\/])")


def load_app(spec: str, env_file: Optional[str] = None) -> Flask:
    """Flask's own loader: ``--app`` forms, FLASK_APP's value, or wsgi.py / app.py discovery."""
    require_supported()  # before anything newer than the floor is touched
    from flask.cli import ScriptInfo

    load_project_env(env_file)
    # flask reads FLASK_APP once the dotenv files are loaded: one set there counts too.
    return ScriptInfo(app_import_path=spec or os.environ.get("FLASK_APP") or None).load_app()


def reported_exception(exc: BaseException) -> BaseException:
    """The exception the user must see: the one Flask wrapped in a NoAppException.

    ``locate_app`` turns an ImportError raised *inside* the user's module into a
    NoAppException ``from None``: the traceback survives only as text. The original is
    still its ``__context__``; Flask's own test (a traceback deeper than the import call)
    tells it from "module not found".
    """
    context = exc.__context__
    if (
        _is_no_app_exception(exc)
        and isinstance(context, ImportError)
        and context.__traceback__ is not None
        and context.__traceback__.tb_next is not None
    ):
        return context
    return exc


def _is_no_app_exception(exc: BaseException) -> bool:
    return any(cls.__name__ == "NoAppException" for cls in type(exc).__mro__)


def describe_load_error(exc: BaseException, spec: str, root: str) -> ExceptionInfo:
    """``describe`` the real error; a NoAppException also says what was tried."""
    info = describe(exc, root)  # without the loader's frames (frames.visible)
    if info["syntax"] is None and nulbytes.is_null_byte_error(exc):
        files = nulbytes.candidates(info["frames"], entry_file(spec, os.getcwd()), _module_entry)
        info["syntax"] = nulbytes.null_byte_syntax(files)
    if _is_no_app_exception(exc):
        info["message"] += "\n" + what_was_tried(spec, os.getcwd())
    return info


def what_was_tried(spec: str, cwd: str) -> str:
    if spec:
        return f"Tried: app {spec!r} (from --app or FLASK_APP), working directory {cwd}."
    return (
        "Tried: no --app option or FLASK_APP given, so looked for 'wsgi.py' then 'app.py'"
        f" in {cwd} and in them for 'app', 'application', a single Flask instance, or a"
        " 'create_app' / 'make_app' factory."
    )


def entry_file(spec: str, cwd: str) -> str:
    """The file the app spec names (a script, a module, a package), "" when unknown."""
    if not spec:
        candidates = [os.path.join(cwd, name) for name in DISCOVERY_FILES]
        return next((path for path in candidates if os.path.isfile(path)), "")
    target = _SPEC_SPLIT.split(spec, maxsplit=1)[0]
    as_path = os.path.join(cwd, target)
    if target.endswith(".py") or os.sep in target or os.path.isdir(as_path):
        return _script_entry(as_path)
    return _module_entry(target) or ""


def _script_entry(path: str) -> str:
    if os.path.isdir(path):
        path = os.path.join(path, "__init__.py")
    return os.path.abspath(path) if os.path.isfile(path) else ""


def _module_entry(name: str) -> Optional[str]:
    # Found through PathFinder, which never runs code: a module that failed to import is
    # gone from sys.modules, and importing it again would rerun the user's module.
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    if isinstance(file, str):
        return os.path.abspath(file)
    search: Optional[list[str]] = None
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        try:
            spec = PathFinder.find_spec(".".join(parts[:depth]), search)
        except (ImportError, ValueError):
            return None
        if spec is None:
            return None
        search = list(spec.submodule_search_locations or [])
    origin = spec.origin if spec is not None else None
    return os.path.abspath(origin) if origin and os.path.isfile(origin) else None
