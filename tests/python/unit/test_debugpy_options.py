"""How each front end names the debugger's address, and what the app process is told."""

from __future__ import annotations

from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcInvalidParams

from failsafe_flask import validate
from failsafe_flask.config import AppConfig
from failsafe_flask.lsp.commands import parse_debug_args
from failsafe_flask.lsp.settings import SettingsError, parse_settings
from failsafe_flask.lsp.status import status_payload
from failsafe_flask.supervisor import debugport, package
from failsafe_flask.supervisor.events import Status
from failsafe_flask.supervisor.launch import plan_launch, preloader_command


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("5678", ("127.0.0.1", 5678)),
        ("0.0.0.0:5678", ("0.0.0.0", 5678)),
        ("localhost:0", ("localhost", 0)),
        ("[::1]:5678", ("::1", 5678)),
    ],
)
def test_debug_address_is_read_as_debugpy_listen_reads_it(
    text: str, address: tuple[str, int]
) -> None:
    assert validate.debug_address(text) == address


@pytest.mark.parametrize("text", ["", "x", "host:", "host:99999", ":5678"])
def test_a_wrong_debug_address_is_refused(text: str) -> None:
    with pytest.raises(validate.InvalidValue):
        validate.debug_address(text)


@pytest.mark.parametrize(
    ("value", "address"),
    [
        (None, None),
        (False, None),
        (True, ("127.0.0.1", 0)),
        (5678, ("127.0.0.1", 5678)),
        ("127.0.0.2:5678", ("127.0.0.2", 5678)),
    ],
)
def test_debugpy_setting(value: object, address: object, tmp_path: Path) -> None:
    assert parse_settings({"debugpy": value}, tmp_path).debugpy == address


def test_a_wrong_debugpy_setting_says_which(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"failsafeFlask\.debugpy must be"):
        parse_settings({"debugpy": "somewhere:port"}, tmp_path)


def test_debug_command_is_start_with_the_debugger_asked_for() -> None:
    # The port: the debugpy setting's when set (the server's config_for), else a free one.
    assert parse_debug_args([]).settings == {"debugpy": True}
    assert parse_debug_args([{"app": "shop"}]).settings == {"app": "shop", "debugpy": True}


def test_debug_command_takes_debugpy_wait() -> None:
    # The VS Code extension asks the app to wait for it, so import-time breakpoints are hit.
    wait = parse_debug_args([{"app": "shop", "debugpyWait": True}]).settings
    assert wait == {"app": "shop", "debugpy": True, "debugpyWait": True}
    assert parse_debug_args([{"debugpyWait": None}]).settings == {"debugpy": True}
    with pytest.raises(JsonRpcInvalidParams, match="debugpyWait must be true or false"):
        parse_debug_args([{"debugpyWait": "yes"}])


def test_the_app_process_is_told_where_to_listen_in_its_arguments(tmp_path: Path) -> None:
    plain = AppConfig(project_root=tmp_path)
    debugged = AppConfig(project_root=tmp_path, debugpy=("::1", 5678), debugpy_wait=True)
    run = plan_launch(plain, {}, "/pkg")
    debug = plan_launch(debugged, {}, "/pkg", "/private/debugpy-parent")
    tail = ["--debugpy", "[::1]:5678", "--debugpy-path", "/private/debugpy-parent"]
    assert debug.argv == [*run.argv, *tail, "--debugpy-wait"]
    # Not in the environment; the preloader is rebuilt, as debug mode preloads debugpy.
    assert debug.env == run.env
    assert debug.key != run.key
    assert debug.debugpy_parent == "/private/debugpy-parent"


def test_the_preloader_imports_debugpy_in_debug_mode_only(tmp_path: Path) -> None:
    plain = AppConfig(project_root=tmp_path, python="py")
    debugged = AppConfig(project_root=tmp_path, python="py", debugpy=("127.0.0.1", 5678))
    assert "--debugpy" not in preloader_command(plain, ["yaml"], "/private/parent")
    assert preloader_command(debugged, ["yaml"], "/private/parent") == [
        "py",
        "-m",
        "failsafe_flask.child.preloader",
        "--debugpy",
        "--debugpy-path",
        "/private/parent",
        "--",
        "yaml",
    ]


def test_a_debug_port_of_zero_is_chosen_once(tmp_path: Path) -> None:
    config = debugport.fixed(AppConfig(project_root=tmp_path, debugpy=("127.0.0.1", 0)))
    assert config.debugpy is not None and config.debugpy[1] > 0
    again = AppConfig(project_root=tmp_path, debugpy=("127.0.0.1", 0))
    assert debugport.fixed(again, config) == config  # new settings, same debug port


def test_status_says_where_to_attach() -> None:
    assert status_payload(Status(debugpy=("127.0.0.1", 5678)))["debugpy"] == {
        "host": "127.0.0.1",
        "port": 5678,
    }
    assert status_payload(Status())["debugpy"] is None


def test_the_app_sees_only_debugpy_of_our_packages() -> None:
    folder = package.debugpy_folder()
    assert folder is not None  # a dependency of this package
    try:
        parent = Path(folder.parent())
        assert [p.name for p in parent.iterdir()] == ["debugpy"]
        assert (parent / "debugpy" / "__init__.py").is_file()
    finally:
        folder.remove()
    assert not parent.exists()
