"""textDocument/codeAction for our diagnostics, and the commands its actions name.

The handler reads what the fixes need (the app's interpreter and folder, a free port,
what the client can apply) and leaves the choice of actions to ``codeactions.py``. The
commands: ``install`` runs pip with the app's interpreter and says how it went in one
message, then restarts the app (VS Code runs the same command line as a task in a
terminal instead, see extension/src/quickFixes.ts); ``useSettings`` starts the app with
a setting changed (VS Code also saves it); ``createTemplate`` creates a template file for
a client that cannot apply CreateFile itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from pathlib import Path
from typing import Any, Optional

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from .. import diagnostics as diag
from ..config import AppConfig
from ..text import printable
from . import codeactions as actions
from . import codeactions_install as install
from .codeactions_data import Fix, PortFix, from_data
from .ports import next_free_port
from .server import FailsafeServer
from .settings import SettingsError
from .slot import AppSlot

logger = logging.getLogger("failsafe_flask.lsp")

PIP_DEADLINE = 900.0  # seconds: a large wheel built from source is slow, a hung pip is not
_SETTINGS = {"port": int, "app": str}  # what useSettings may change


def register(server: FailsafeServer) -> None:
    options = lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, options)
    async def code_action(
        ls: FailsafeServer, params: lsp.CodeActionParams
    ) -> Optional[list[lsp.CodeAction]]:
        found: list[lsp.CodeAction] = []
        for diagnostic in params.context.diagnostics:
            fix = from_data(diagnostic.data) if diagnostic.source == diag.SOURCE else None
            facts = await _facts(ls, fix) if fix is not None else None
            if fix is not None and facts is not None:
                found += actions.actions(fix, diagnostic, facts)
        return found or None

    @server.command(actions.INSTALL)
    async def install_(ls: FailsafeServer, *args: Any) -> dict[str, Any]:
        return await run_install(ls, _argument(actions.INSTALL, args))

    @server.command(actions.USE_SETTINGS)
    async def use_settings(ls: FailsafeServer, *args: Any) -> dict[str, Any]:
        return await run_use_settings(ls, _argument(actions.USE_SETTINGS, args))

    @server.command(actions.CREATE_TEMPLATE)
    async def create_template(ls: FailsafeServer, *args: Any) -> dict[str, Any]:
        return await run_create_template(ls, _argument(actions.CREATE_TEMPLATE, args))


def _argument(command: str, args: tuple[Any, ...]) -> dict[str, Any]:
    if len(args) != 1 or not isinstance(args[0], dict) or not isinstance(args[0].get("appId"), str):
        raise JsonRpcInvalidParams(message=f"{command} takes one argument: {{appId, ...}}")
    return args[0]


def _config(ls: FailsafeServer, slot: AppSlot) -> Optional[AppConfig]:
    """What the app runs with, or would start with."""
    if slot.applied is not None:
        return slot.applied
    try:
        return ls.config_for(slot, slot.overrides)
    except SettingsError:
        return None


def _slot(ls: FailsafeServer, app_id: str) -> Optional[AppSlot]:
    try:
        return ls.slot_for(app_id)
    except JsonRpcException:  # an app no longer configured: its fixes went with it
        return None


async def _facts(ls: FailsafeServer, fix: Fix) -> Optional[actions.Facts]:
    slot = _slot(ls, fix.app_id)
    config = _config(ls, slot) if slot is not None else None
    if slot is None or config is None:
        return None
    root = Path(config.project_root)
    free = None
    if isinstance(fix, PortFix):
        taken = {used.port for _, used in ls.apps.running_others(slot)}
        free = await asyncio.to_thread(next_free_port, config.host, fix.port, taken)
    return actions.Facts(
        app_id=slot.id,
        name=slot.spec.name,
        root=root,
        python=config.python,
        exists=lambda path: path.exists(),
        can_create=_can_create(ls),
        free_port=free,
        roots=(root, root / "src"),
    )


def _can_create(ls: FailsafeServer) -> bool:
    """The client applies CreateFile. Resource operations only ever come in
    documentChanges, so declaring "create" says it (Neovim declares no more)."""
    edit = getattr(getattr(ls.client_capabilities, "workspace", None), "workspace_edit", None)
    operations = getattr(edit, "resource_operations", None) or []
    return lsp.ResourceOperationKind.Create in operations


async def run_install(ls: FailsafeServer, arg: dict[str, Any]) -> dict[str, Any]:
    """pip install into the app's interpreter, one message for the outcome, then restart."""
    slot = ls.slot_for(arg["appId"])
    config = _config(ls, slot)
    dist = arg.get("distribution")
    try:
        argv = install.pip_command(config.python if config else "", str(dist))
    except ValueError as exc:
        raise JsonRpcInvalidParams(message=f"{actions.INSTALL}: {exc}") from None
    if config is None:
        raise JsonRpcInvalidParams(message=f"{actions.INSTALL}: the app's settings are wrong")
    ls.log(f"Failsafe Flask: running {install.pip_text(argv)}")
    code, output = await _run(
        argv, install.pip_env(os.environ, config.env), str(config.project_root)
    )
    ls.log(
        output.splitlines() or [""], lsp.MessageType.Info if code == 0 else lsp.MessageType.Error
    )
    if code != 0:
        last = next((line for line in reversed(output.splitlines()) if line.strip()), "")
        ls.show(f"Failsafe Flask: {install.pip_text(argv)} failed (exit {code}): {printable(last)}")
        return slot.payload()
    ls.show(
        f"Failsafe Flask: installed {dist} into {config.python}; restarting the app.",
        lsp.MessageType.Info,
    )
    return await ls.in_order(lambda: ls.restart_app(slot.id))


async def _run(argv: list[str], env: dict[str, str], cwd: str) -> tuple[int, str]:
    """Run to the end (or the deadline), stdout and stderr as one text."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except OSError as exc:
        return 127, str(exc)
    try:
        out, _ = await asyncio.wait_for(process.communicate(), PIP_DEADLINE)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        return -1, f"pip ran for more than {PIP_DEADLINE:.0f} s and was stopped"
    return process.returncode or 0, out.decode("utf-8", "replace")


async def run_use_settings(ls: FailsafeServer, arg: dict[str, Any]) -> dict[str, Any]:
    """Start (or restart) the app with ``settings`` over its own, for this session."""
    settings = arg.get("settings")
    if not isinstance(settings, dict) or not _settings_ok(settings):
        raise JsonRpcInvalidParams(
            message=f"{actions.USE_SETTINGS}: settings must be {{port}} or {{app}}"
        )
    slot = ls.slot_for(arg["appId"])
    overrides = dataclasses.replace(
        slot.overrides, settings={**slot.overrides.settings, **settings}, target=slot.id
    )
    shown = ", ".join(f"{key} {value}" for key, value in settings.items())
    ls.log(f"Failsafe Flask: {slot.spec.name}: using {shown} (set it in the settings to keep it)")
    return await ls.in_order(lambda: ls.start_app(overrides))


def _settings_ok(settings: object) -> bool:
    if not isinstance(settings, dict) or not settings:
        return False
    return all(
        key in _SETTINGS and isinstance(value, _SETTINGS[key]) and not isinstance(value, bool)
        for key, value in settings.items()
    )


async def run_create_template(ls: FailsafeServer, arg: dict[str, Any]) -> dict[str, Any]:
    """Create an empty template file inside the app's project."""
    slot = ls.slot_for(arg["appId"])
    config = _config(ls, slot)
    path = Path(str(arg.get("path", ""))).resolve()
    root = Path(config.project_root).resolve() if config else None
    if root is None or root not in path.parents:
        raise JsonRpcInvalidParams(
            message=f"{actions.CREATE_TEMPLATE}: the path must be inside the app's project"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8"):
            pass
    except FileExistsError:
        pass
    ls.log(f"Failsafe Flask: created {path}")
    return slot.payload()
