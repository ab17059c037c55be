"""What a diagnostic carries in ``data`` so that its quick fix can be computed. Pure.

A code action request comes back with the diagnostic as the client holds it, possibly long
after it was published and from any client: the fix is computed from ``data`` alone (which
app, which module, template, port or candidates), and ``data`` is checked again on the way
in as any client input is. Four fixes:

- ``install``: a ModuleNotFoundError names a module to install into the app's interpreter;
- ``template``: a TemplateNotFound names a template to create (next to the file that
  rendered it, for a blueprint's own template folder);
- ``port``: the app's port is taken (by another app of ours or another program);
- ``chooseApp``: nothing names or finds the app; the candidates to choose from.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

import attrs
from lsprotocol import types as lsp

from .. import diagnostics as diag
from .. import locate
from ..protocol import ExceptionInfo

INSTALL = "install"
TEMPLATE = "template"
PORT = "port"
CHOOSE_APP = "chooseApp"

_NO_MODULE = re.compile(r"^No module named '([^'\s]+)'")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_TEMPLATE_NOT_FOUND = "jinja2.exceptions.TemplateNotFound"


@dataclass(frozen=True)
class InstallFix:
    app_id: str
    module: str  # as Python named it: "yaml", "flask_sqlalchemy.model"


@dataclass(frozen=True)
class TemplateFix:
    app_id: str
    template: str  # Jinja's name: "admin/users.html"
    near: str  # the project file that rendered it ("" when unknown)


@dataclass(frozen=True)
class PortFix:
    app_id: str
    port: int


@dataclass(frozen=True)
class ChooseAppFix:
    app_id: str
    candidates: tuple[str, ...]  # --app forms: "flaskr:create_app"


Fix = Union[InstallFix, TemplateFix, PortFix, ChooseAppFix]


def missing_module(error: ExceptionInfo) -> Optional[str]:
    """The module a ModuleNotFoundError of the error's chain names, when it is one."""
    for info, _ in locate.chain(error):
        if info["type"] != "ModuleNotFoundError":
            continue
        match = _NO_MODULE.match(info["message"])
        if match and _MODULE.match(match.group(1)):
            return match.group(1)
    return None


def missing_template(error: ExceptionInfo) -> Optional[TemplateFix]:
    """The template a TemplateNotFound names, and the project file that asked for it."""
    if error["type"] != _TEMPLATE_NOT_FOUND or not safe_template(error["message"]):
        return None
    own = [frame for frame in error["frames"] if locate.is_project_frame(frame)]
    return TemplateFix("", error["message"], own[-1]["file"] if own else "")


def safe_template(name: str) -> bool:
    """A relative name below a template folder: no way out of it, nothing odd."""
    parts = name.split("/")
    return (
        bool(name)
        and len(name) <= 255
        and name.isprintable()
        and "\\" not in name
        and not name.startswith("/")
        and all(part not in ("", ".", "..") for part in parts)
    )


def error_fix(error: ExceptionInfo, app_id: str) -> Optional[Fix]:
    """The fix an app's error offers, if any."""
    module = missing_module(error)
    if module is not None:
        return InstallFix(app_id, module)
    template = missing_template(error)
    return dataclasses.replace(template, app_id=app_id) if template else None


def to_data(fix: Fix) -> dict[str, Any]:
    """The JSON ``data`` of a diagnostic."""
    if isinstance(fix, InstallFix):
        return {"fix": INSTALL, "appId": fix.app_id, "module": fix.module}
    if isinstance(fix, TemplateFix):
        return {"fix": TEMPLATE, "appId": fix.app_id, "template": fix.template, "near": fix.near}
    if isinstance(fix, PortFix):
        return {"fix": PORT, "appId": fix.app_id, "port": fix.port}
    return {"fix": CHOOSE_APP, "appId": fix.app_id, "candidates": list(fix.candidates)}


def from_data(data: object) -> Optional[Fix]:
    """``data`` back from a client, checked; None when it is not one of ours."""
    if not isinstance(data, dict) or not isinstance(data.get("appId"), str):
        return None
    app_id, kind = data["appId"], data.get("fix")
    if kind == INSTALL:
        module = data.get("module")
        return (
            InstallFix(app_id, module) if isinstance(module, str) and _is_module(module) else None
        )
    if kind == TEMPLATE:
        template, near = data.get("template"), data.get("near", "")
        ok = isinstance(template, str) and safe_template(template) and isinstance(near, str)
        return TemplateFix(app_id, template, near) if ok else None  # type: ignore[arg-type]
    if kind == PORT:
        port = data.get("port")
        ok = isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536
        return PortFix(app_id, port) if ok else None  # type: ignore[arg-type]
    if kind == CHOOSE_APP:
        found = data.get("candidates")
        if isinstance(found, list) and all(isinstance(c, str) and c for c in found):
            return ChooseAppFix(app_id, tuple(found))
    return None


def _is_module(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 200 and bool(_MODULE.match(value))


def with_data(
    items: Sequence[lsp.Diagnostic], where: lsp.Range, code: str, fix: Fix
) -> list[lsp.Diagnostic]:
    """``items`` with ``fix`` on the error's own diagnostic (at ``where``, its code)."""
    data = to_data(fix)
    return [attrs.evolve(d, data=data) if _is_primary(d, where, code) else d for d in items]


def _is_primary(item: lsp.Diagnostic, where: lsp.Range, code: str) -> bool:
    return (
        item.range == where and item.code == code and item.severity == lsp.DiagnosticSeverity.Error
    )


def annotated(
    found: diag.DiagnosticMap, error: ExceptionInfo, entry: str, app_id: str
) -> diag.DiagnosticMap:
    """An error's diagnostics with its fix, if it has one, on the error's own."""
    fix = error_fix(error, app_id)
    where = diag.primary_location(error, entry)
    if fix is None or where is None or where[0] not in found:
        return found
    path, rng = where
    return {**found, path: with_data(found[path], rng, error["type"], fix)}
