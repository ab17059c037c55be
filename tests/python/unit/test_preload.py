"""The preloader's pure parts: its command, what makes it stale, what a fork forgets."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import flask

from failsafe_flask.child.preloader import forget_project_modules, watch_list
from failsafe_flask.config import AppConfig
from failsafe_flask.supervisor.launch import (
    child_args,
    child_command,
    preload_key,
    preloader_command,
)


def test_fork_args_are_the_spawn_command_without_the_interpreter() -> None:
    config = AppConfig(Path("/p"), app="pkg:create_app()", python="/py", env_file=".env")
    assert child_command(config) == ["/py", "-m", "failsafe_flask.child", *child_args(config)]


def test_preloader_command_names_packages_after_a_separator() -> None:
    config = AppConfig(Path("/p"), python="/py", env_file="dev.env")
    assert preloader_command(config, ["yaml", "-x"]) == [
        "/py", "-m", "failsafe_flask.child.preloader", "--env-file", "dev.env", "--", "-x", "yaml",
    ]  # fmt: skip


def test_key_changes_with_what_the_preloader_was_built_from(tmp_path: Path) -> None:
    config = AppConfig(tmp_path, python=sys.executable)
    env = {"PATH": "/bin", "FLASK_DEBUG": "1"}
    key = preload_key(config, env)
    assert preload_key(config, dict(env)) == key
    assert preload_key(config, {**env, "FLASK_DEBUG": "0"}) != key  # debug, config.env
    assert preload_key(AppConfig(tmp_path, python=sys.executable, env_file="x"), env) != key
    assert preload_key(AppConfig(tmp_path / "other", python=sys.executable), env) != key


def test_key_tells_two_virtual_environments_of_one_interpreter_apart(tmp_path: Path) -> None:
    """Their pythons are links to the same file, but their packages differ."""
    links = [tmp_path / "a" / "python", tmp_path / "b" / "python"]
    for link in links:
        link.parent.mkdir()
        link.symlink_to(sys.executable)
    keys = {preload_key(AppConfig(tmp_path, python=str(link)), {}) for link in links}
    assert len(keys) == 2


def test_watch_list_has_installed_files_and_dotenv_but_no_project_file(tmp_path: Path) -> None:
    watched = dict(watch_list(str(tmp_path), "dev.env"))
    flask_file = flask.__file__
    assert flask_file is not None
    assert flask_file in watched and watched[flask_file] == os.stat(flask_file).st_mtime_ns
    assert watched[str(tmp_path / "dev.env")] is None  # missing now: appearing counts
    assert str(tmp_path / ".env") in watched
    assert not any(path.startswith(str(tmp_path) + os.sep + "x") for path in watched)
    assert os.__file__ not in watched  # the standard library changes with the interpreter


def test_forget_project_modules_keeps_installed_ones(tmp_path: Path) -> None:
    mine = types.ModuleType("preload_test_mine")
    mine.__file__ = str(tmp_path / "mine.py")
    sys.modules["preload_test_mine"] = mine
    try:
        forget_project_modules(str(tmp_path))
        assert "preload_test_mine" not in sys.modules
        assert "flask" in sys.modules
    finally:
        sys.modules.pop("preload_test_mine", None)
