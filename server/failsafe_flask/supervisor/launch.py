"""How an app process is started: one ``LaunchPlan`` per launch, derived from the settings.

Pure but for reading the interpreter's mtime (for the preload key). Spawned or forked,
an app process gets the same argv, environment and working folder: the plan's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from .. import protocol
from ..config import AppConfig

# The language server runs with its bundled libraries (pygls, ...) on PYTHONPATH; the
# extension names them here so the user's app never sees them.
ENV_BUNDLED = "FAILSAFE_FLASK_BUNDLED"

Key = tuple[object, ...]


@dataclass(frozen=True)
class LaunchPlan:
    """Everything one app process is started from, each derived once."""

    config: AppConfig
    argv: list[str]  # after ``python -m failsafe_flask.child``: a fork gets only these
    env: dict[str, str]  # without the fds of one process (a preloader gets it too)
    cwd: str
    key: Key  # what a preloader that forks it must have been built from
    debugpy_parent: Optional[str] = None  # our own debugpy's folder, while debugging

    def command(self) -> list[str]:
        return [self.config.python, "-m", "failsafe_flask.child", *self.argv]

    def env_with(self, fds: Mapping[str, int]) -> dict[str, str]:
        """The environment of one spawned process, told its inherited fds."""
        return {**self.env, **{name: str(fd) for name, fd in fds.items()}}


def plan_launch(
    config: AppConfig,
    base: Mapping[str, str],
    package_parent: str,
    debugpy_parent: Optional[str] = None,
) -> LaunchPlan:
    config = for_app_process(config)
    env = child_env(config, base, package_parent)
    return LaunchPlan(
        config=config,
        argv=child_args(config) + debugpy_args(config, debugpy_parent),
        env=env,
        cwd=str(config.project_root),
        key=preload_key(config, env),
        debugpy_parent=debugpy_parent,
    )


def for_app_process(config: AppConfig) -> AppConfig:
    """The config an app process gets: a default env file that was deleted is no longer
    loaded (nobody asked for it)."""
    env_file = config.env_file
    gone = env_file and not os.path.isfile(os.path.join(config.project_root, env_file))
    if gone and config.env_file_optional:
        env_file = None
    return replace(config, env_file=env_file)


def child_command(config: AppConfig) -> list[str]:
    return [config.python, "-m", "failsafe_flask.child", *child_args(config)]


def child_args(config: AppConfig) -> list[str]:
    """The app process's arguments after ``-m failsafe_flask.child``: every setting it
    needs arrives here, nothing through the environment."""
    command: list[str] = []
    if config.app:
        command += ["--app", config.app]
    command += ["--host", config.host, "--port", str(config.port)]
    command.append("--debug" if config.debug else "--no-debug")
    if config.debugger is not None:
        command.append("--debugger" if config.debugger else "--no-debugger")
    if not config.threaded:
        command.append("--without-threads")
    if not config.live_reload:
        command.append("--no-live-reload")
    if config.url_prefix:
        command += ["--url-prefix", config.served_prefix()]
    if config.env_file:
        command += ["--env-file", config.env_file]
    for name, value in (("--cert", config.cert), ("--key", config.key)):
        command += [name, value] if value else []
    command += ["--load-timeout", f"{config.load_timeout:g}"]
    return command


def debugpy_args(config: AppConfig, debugpy_parent: Optional[str]) -> list[str]:
    """The debugger's arguments: in argv, not the environment, so that turning it on
    or off keeps the preloader (whose key is the environment), which never imports it."""
    if config.debugpy is None:
        return []
    host, port = config.debugpy
    command = ["--debugpy", f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    if debugpy_parent:
        command += ["--debugpy-path", debugpy_parent]
    return command + (["--debugpy-wait"] if config.debugpy_wait else [])


def preloader_command(
    config: AppConfig, packages: Iterable[str], debugpy_parent: Optional[str] = None
) -> list[str]:
    command = [config.python, "-m", "failsafe_flask.child.preloader"]
    if config.env_file:
        command += ["--env-file", config.env_file]
    if config.debugpy is not None:  # its forks do not pay for importing debugpy
        command.append("--debugpy")
        if debugpy_parent:
            command += ["--debugpy-path", debugpy_parent]
    # After "--", a name that starts with "-" stays a name, never an option.
    return [*command, "--", *sorted(packages)]


def child_env(config: AppConfig, base: Mapping[str, str], package_parent: str) -> dict[str, str]:
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
            "PYTHONUNBUFFERED": "1",
            protocol.ENV_PROJECT_ROOT: str(Path(config.project_root).resolve()),
        }
    )
    return env


def preload_key(config: AppConfig, env: Mapping[str, str]) -> Key:
    """What a preloader was built for: when it differs, the preloader is rebuilt."""
    try:
        interpreter: object = os.stat(config.python).st_mtime_ns  # an upgrade in place
    except OSError:
        interpreter = None
    return (
        # The path as given as well as where it leads: two virtual environments'
        # pythons are links to one interpreter, with different packages.
        os.path.abspath(config.python),
        os.path.realpath(config.python),
        interpreter,
        os.path.abspath(config.project_root),
        tuple(sorted(env.items())),  # config.env, PYTHONPATH, ...
        config.env_file,
        config.debugpy is not None,  # debugpy preloaded or not
    )
