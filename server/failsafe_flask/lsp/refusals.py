"""A refused start as a diagnostic, so that its quick fix has somewhere to be offered.

A start refused for a taken port or for want of an app is the answer to a command, but
code actions hang on diagnostics in a file: the port's goes on the line of the app's file
that makes the app (``app = Flask(...)``, ``def create_app``), the missing app's on that
line of each candidate. Pure but for the last functions, which read the project.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Callable, Optional

from lsprotocol import types as lsp

from .. import diagnostics as diag
from ..appspec import app_label
from ..config import AppConfig
from ..locate import Location
from .apps import AppSpec
from .codeactions_data import ChooseAppFix, Fix, PortFix, to_data

PORT_TAKEN_CODE = "port-taken"
NO_APP_CODE = "no-app"
_MAKES_APP = re.compile(
    r"^\s*(?:\w+\s*(?::[^=]*)?=\s*(?:\w+\.)*\w*Flask\(|(?:async\s+)?def\s+(?:create_app|make_app)\b)"
)

Read = Callable[[Path], Optional[str]]  # a file's text, None when it cannot be read


def entry_file(root: Path, label: str, exists: Callable[[Path], bool]) -> Optional[Path]:
    """The file of an app named as ``flask --app`` takes it (``app.py``, ``pkg.mod:app``,
    ``backend/app.py:app``, ``flaskr:create_app('dev')``); None when not found."""
    spec = label.split(":", 1)[0].strip()
    if not spec:
        return None
    if spec.endswith(".py"):
        tried = [root / spec]
    else:
        module = root.joinpath(*spec.split("."))
        tried = [module.with_name(module.name + ".py"), module / "__init__.py"]
    return next((path for path in tried if exists(path)), None)


def app_line(text: Optional[str]) -> int:
    """The 0-based line that makes the app; the first line when none does."""
    for number, line in enumerate((text or "").splitlines()):
        if _MAKES_APP.match(line):
            return number
    return 0


def refusal_diagnostic(text: Optional[str], message: str, code: str, fix: Fix) -> lsp.Diagnostic:
    """The refusal at the line that makes the app, with its fix in ``data``."""
    line = app_line(text)
    lines = (text or "").splitlines()
    content = lines[line] if line < len(lines) else ""
    rng = diag.location_range(Location("", line + 1, None, None, None, content))
    return lsp.Diagnostic(
        range=rng,
        message=message,
        severity=lsp.DiagnosticSeverity.Error,
        code=code,
        source=diag.SOURCE,
        data=to_data(fix),
    )


def refusal_map(
    files: Sequence[Path], message: str, code: str, fix: Fix, read: Read
) -> diag.DiagnosticMap:
    """One diagnostic per file (the entry file, or each candidate's)."""
    out: diag.DiagnosticMap = {}
    for path in dict.fromkeys(files):  # each once, in order
        out[str(path)] = [refusal_diagnostic(read(path), message, code, fix)]
    return out


# -- reading the project (the server's side) ---------------------------------------------


def read_text(path: Path) -> Optional[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def port_refusal(spec: AppSpec, config: AppConfig, message: str) -> diag.DiagnosticMap:
    """The taken port's diagnostic, on the app's file when it can be found."""
    root = Path(config.project_root)
    label = app_label(str(root), config.app, {**os.environ, **config.env}, config.env_file)
    entry = entry_file(root, label, Path.is_file)
    fix = PortFix(spec.id, config.port)
    return refusal_map([entry] if entry else [], message, PORT_TAKEN_CODE, fix, read_text)


def no_app_refusal(
    spec: AppSpec, root: Path, message: str, apps: Sequence[tuple[str, str]]
) -> diag.DiagnosticMap:
    """The missing app's diagnostic on each candidate's file (``apps``: (app, file))."""
    fix = ChooseAppFix(spec.id, tuple(app for app, _ in apps))
    files = [root / file for _, file in apps]
    return refusal_map(files, message, NO_APP_CODE, fix, read_text)
