"""How an app process is started: its command line and environment. Pure."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from .. import protocol
from ..config import AppConfig

# The language server runs with its bundled libraries (pygls, ...) on PYTHONPATH; the
# extension names them here so the user's app never sees them.
ENV_BUNDLED = "FAILSAFE_FLASK_BUNDLED"


def child_command(config: AppConfig) -> list[str]:
    return [config.python, "-m", "failsafe_flask.child", *child_args(config)]


def child_args(config: AppConfig) -> list[str]:
    """The app process's arguments after ``-m failsafe_flask.child`` (a fork gets these)."""
    command: list[str] = []
    if config.app:
        command += ["--app", config.app]
    command += ["--host", config.host, "--port", str(config.port)]
    command.append("--debug" if config.debug else "--no-debug")
    if config.env_file:
        command += ["--env-file", config.env_file]
    return command


def preloader_command(config: AppConfig, packages: Iterable[str]) -> list[str]:
    command = [config.python, "-m", "failsafe_flask.child.preloader"]
    if config.env_file:
        command += ["--env-file", config.env_file]
    # After "--", a name that starts with "-" stays a name, never an option.
    return [*command, "--", *sorted(packages)]


def child_env(
    config: AppConfig,
    base: Mapping[str, str],
    package_parent: str,
    fds: Mapping[str, int],
) -> dict[str, str]:
    """The app's environment: the user's, their extra variables, and our handshake.

    ``package_parent`` is the folder holding the ``failsafe_flask`` package; it goes
    first on PYTHONPATH so ``-m failsafe_flask.child`` resolves in any interpreter.
    """
    env = dict(base)
    env.update(config.env)
    hidden = {os.path.normpath(p) for p in base.get(ENV_BUNDLED, "").split(os.pathsep) if p}
    hidden.add(os.path.normpath(package_parent))
    user_path = [
        p
        for p in env.get("PYTHONPATH", "").split(os.pathsep)
        if p and os.path.normpath(p) not in hidden
    ]
    env["PYTHONPATH"] = os.pathsep.join([package_parent, *user_path])
    env.pop(ENV_BUNDLED, None)
    env.update(
        {
            "FLASK_RUN_FROM_CLI": "true",  # a module-level app.run() returns at once
            "WERKZEUG_RUN_MAIN": "true",  # Werkzeug serves on WERKZEUG_SERVER_FD
            "FLASK_DEBUG": "1" if config.debug else "0",
            "PYTHONUNBUFFERED": "1",
            protocol.ENV_PROJECT_ROOT: str(Path(config.project_root).resolve()),
        }
    )
    env.update({name: str(fd) for name, fd in fds.items()})
    return env
