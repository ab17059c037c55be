"""Settings parsing: defaults with no settings, and one clear sentence per mistake."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from failsafe_flask.config import DEFAULT_HOST, DEFAULT_PORT
from failsafe_flask.lsp.settings import SettingsError, parse_settings, unwrap_section


def test_zero_settings_work(tmp_path: Path) -> None:
    config = parse_settings(None, tmp_path)
    assert (config.app, config.host, config.port) == (None, DEFAULT_HOST, DEFAULT_PORT)
    assert config.debug and config.python == sys.executable and config.env_file is None
    assert parse_settings({}, tmp_path) == config


def test_every_key(tmp_path: Path) -> None:
    raw = {
        "app": "hello:create_app()",
        "host": "0.0.0.0",
        "port": 8123,
        "env": {"A": "1", "B": 2, "C": True},
        "envFile": "dev.env",
        "extraWatch": ["templates/**"],
        "excludes": ["build"],
        "debug": False,
        "python": "/usr/bin/python3",
    }
    config = parse_settings(unwrap_section({"failsafeFlask": raw}), tmp_path)
    assert config.app == "hello:create_app()" and config.port == 8123
    assert dict(config.env) == {"A": "1", "B": "2", "C": "true"}
    assert config.env_file == "dev.env" and config.extra_watch == ("templates/**",)
    assert config.excludes == ("build",) and not config.debug
    assert config.python == "/usr/bin/python3" and config.host == "0.0.0.0"


def test_dot_env_is_used_when_present(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SECRET=x\n")
    assert parse_settings({}, tmp_path).env_file == ".env"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ({"port": "5000"}, "failsafeFlask.port must be a whole number, got a string"),
        ({"port": True}, "failsafeFlask.port must be a whole number, got a boolean"),
        ({"port": 70000}, "failsafeFlask.port must be between 0 and 65535, got 70000"),
        ({"app": 3}, "failsafeFlask.app must be a string, got a number"),
        ({"debug": "yes"}, "failsafeFlask.debug must be true or false, got a string"),
        ({"extraWatch": "*.cfg"}, "failsafeFlask.extraWatch must be a list of strings"),
        ({"env": {"A": [1]}}, "failsafeFlask.env.A must be a string, got a list"),
        ([], "failsafeFlask settings must be an object, got a list"),
    ],
)
def test_mistakes_are_explained(tmp_path: Path, raw: object, text: str) -> None:
    with pytest.raises(SettingsError, match=text.replace("(", r"\(").replace("*", r"\*")):
        parse_settings(raw, tmp_path)


def test_preload_is_on_unless_turned_off(tmp_path: Path) -> None:
    assert parse_settings({}, tmp_path).preload_mode == "on"
    for mode in ("on", "packages", "off"):
        assert parse_settings({"preload": mode}, tmp_path).preload_mode == mode
    # The values before "packages" existed: on (incremental since) and off.
    assert parse_settings({"preload": True}, tmp_path).preload_mode == "on"
    assert parse_settings({"preload": False}, tmp_path).preload_mode == "off"
    with pytest.raises(SettingsError, match=r'failsafeFlask\.preload must be "on", "packages"'):
        parse_settings({"preload": "no"}, tmp_path)
