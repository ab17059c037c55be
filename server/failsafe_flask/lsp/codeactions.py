"""Quick fixes for our diagnostics, as LSP code actions: which actions a diagnostic gets.
Pure: what the project and the client hold is given in ``Facts``; the handler that
gathers them and runs the commands is ``codeactions_server.py``.

Code actions are LSP's own quick fixes, so every editor shows them where it shows its
others (VS Code's light bulb, Neovim's ``vim.lsp.buf.code_action()``, eglot's
``eglot-code-actions``, ALE's ``:ALECodeAction``). An action either carries its edit (a
template file created) or names a command the server carries out (pip, a setting).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from lsprotocol import types as lsp

from . import codeactions_files as files
from . import codeactions_install as install
from .codeactions_data import ChooseAppFix, Fix, InstallFix, PortFix, TemplateFix

INSTALL = "failsafe-flask.install"  # {appId, distribution, commandLine}
USE_SETTINGS = "failsafe-flask.useSettings"  # {appId, settings: {port} | {app}}
CREATE_TEMPLATE = "failsafe-flask.createTemplate"  # {appId, path}: for clients without CreateFile
COMMANDS = (INSTALL, USE_SETTINGS, CREATE_TEMPLATE)


@dataclass(frozen=True)
class Facts:
    """What an app's fixes are computed from (read by the handler)."""

    app_id: str
    name: str
    root: Path
    python: str
    exists: Callable[[Path], bool]
    can_create: bool = True  # the client applies CreateFile in a WorkspaceEdit
    free_port: Optional[int] = None  # the next free port, for a port fix
    roots: Sequence[Path] = field(default_factory=tuple)  # where a project module would be


def actions(fix: Fix, diagnostic: lsp.Diagnostic, facts: Facts) -> list[lsp.CodeAction]:
    if isinstance(fix, InstallFix):
        return _install(fix, diagnostic, facts)
    if isinstance(fix, TemplateFix):
        return _template(fix, diagnostic, facts)
    if isinstance(fix, PortFix):
        return _port(diagnostic, facts)
    return _choose(fix, diagnostic, facts)


def _action(title: str, diagnostic: lsp.Diagnostic, preferred: bool, **how: Any) -> lsp.CodeAction:
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=preferred or None,
        **how,
    )


def _command(title: str, name: str, argument: dict[str, Any]) -> lsp.Command:
    return lsp.Command(title=title, command=name, arguments=[argument])


def _install(fix: InstallFix, diagnostic: lsp.Diagnostic, facts: Facts) -> list[lsp.CodeAction]:
    roots = list(facts.roots) or [facts.root]
    dist = install.installable(fix.module, roots, facts.exists)
    if dist is None:
        return []
    argv = install.pip_command(facts.python, dist)
    title = f"Install {dist} into the app's Python ({facts.python})"
    argument = {"appId": facts.app_id, "distribution": dist, "commandLine": argv}
    return [_action(title, diagnostic, True, command=_command(title, INSTALL, argument))]


def _template(fix: TemplateFix, diagnostic: lsp.Diagnostic, facts: Facts) -> list[lsp.CodeAction]:
    found: list[lsp.CodeAction] = []
    for index, folder in enumerate(files.template_folders(facts.root, fix.near, facts.exists)):
        path = folder / fix.template
        title = f"Create the template {files.shown(facts.root, path)}"
        if facts.can_create:
            how: dict[str, Any] = {"edit": files.create_edit(folder, fix.template)}
        else:
            argument = {"appId": facts.app_id, "path": str(path)}
            how = {"command": _command(title, CREATE_TEMPLATE, argument)}
        found.append(_action(title, diagnostic, index == 0, **how))
    return found


def _port(diagnostic: lsp.Diagnostic, facts: Facts) -> list[lsp.CodeAction]:
    if facts.free_port is None:
        return []
    port = facts.free_port
    title = f"Use port {port} for {facts.name}"
    argument = {"appId": facts.app_id, "settings": {"port": port}}
    return [_action(title, diagnostic, True, command=_command(title, USE_SETTINGS, argument))]


def _choose(fix: ChooseAppFix, diagnostic: lsp.Diagnostic, facts: Facts) -> list[lsp.CodeAction]:
    found: list[lsp.CodeAction] = []
    for index, app in enumerate(fix.candidates):
        title = f"Run {app} as the app"
        argument = {"appId": facts.app_id, "settings": {"app": app}}
        found.append(
            _action(title, diagnostic, index == 0, command=_command(title, USE_SETTINGS, argument))
        )
    return found
