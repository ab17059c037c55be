"""package.json's ``failsafeFlask.*`` defaults are the server's own (config.AppConfig).

VS Code shows package.json's defaults in its settings UI and sends them; the terminal and
a client that sends nothing get AppConfig's. The two must be the same values.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from failsafe_flask import validate
from failsafe_flask.config import PRELOAD_MODES, AppConfig
from failsafe_flask.lsp.settings import SECTION, parse_settings

MANIFEST = Path(__file__).resolve().parents[3] / "package.json"
# The client's own settings (the extension's and vscode-languageclient's): never sent to the server.
CLIENT_ONLY = {"interpreter", "browser", "trace.server"}
# Sent, but read by the language server's app registry (lsp/apps.py), not into AppConfig.
REGISTRY_ONLY = {"apps"}


def _declared() -> dict[str, dict[str, Any]]:
    properties = json.loads(MANIFEST.read_text())["contributes"]["configuration"]["properties"]
    prefix = f"{SECTION}."
    assert all(key.startswith(prefix) for key in properties)
    return {key[len(prefix) :]: spec for key, spec in properties.items()}


DECLARED = _declared()
SERVER_KEYS = sorted(set(DECLARED) - CLIENT_ONLY - REGISTRY_ONLY)


def _field(key: str) -> str:
    """The AppConfig field a camelCase key sets: loadTimeout -> load_timeout."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


# A string that is not a valid value of every string setting: a URL prefix is a path.
_OTHER_TEXT = {"urlPrefix": "/other"}


def _other(key: str) -> object:
    """A valid value of the declared type that is not the declared default."""
    spec = DECLARED[key]
    kind, default = spec["type"], spec["default"]
    if key in _OTHER_TEXT:
        return _OTHER_TEXT[key]
    if "enum" in spec:
        return next(value for value in spec["enum"] if value != default)
    if kind in ("integer", "number"):
        return default + 1
    if kind == "boolean":
        return not default
    return {"string": "other", "array": ["other"], "object": {"OTHER": "1"}}[kind]


def test_each_server_setting_is_an_app_config_field() -> None:
    fields = {f.name for f in dataclasses.fields(AppConfig)}
    assert set(DECLARED) >= CLIENT_ONLY
    assert {_field(key) for key in SERVER_KEYS} <= fields


@pytest.mark.parametrize("key", SERVER_KEYS)
def test_the_declared_default_is_the_servers_default(key: str, tmp_path: Path) -> None:
    declared = DECLARED[key]["default"]
    assert parse_settings({key: declared}, tmp_path) == AppConfig(project_root=tmp_path)


@pytest.mark.parametrize("key", SERVER_KEYS)
def test_the_server_reads_every_declared_key(key: str, tmp_path: Path) -> None:
    # Else the check above would pass for a key the server ignores.
    changed = parse_settings({key: _other(key)}, tmp_path)
    assert changed != AppConfig(project_root=tmp_path)


def test_every_declared_default_at_once_is_zero_settings(tmp_path: Path) -> None:
    defaults = {key: DECLARED[key]["default"] for key in SERVER_KEYS}
    assert parse_settings(defaults, tmp_path) == parse_settings(None, tmp_path)
    (tmp_path / ".env").write_text("SECRET=x\n")  # an empty envFile means .env, as flask run
    assert parse_settings(defaults, tmp_path) == parse_settings(None, tmp_path)


@pytest.mark.parametrize("key", ["host", "port", "loadTimeout", "debug"])
def test_the_declared_value_is_the_field_default(key: str) -> None:
    defaults = {f.name: f.default for f in dataclasses.fields(AppConfig)}
    assert DECLARED[key]["default"] == defaults[_field(key)]


def test_the_declared_preload_modes_are_the_servers(tmp_path: Path) -> None:
    # One setting, two fields (preload, incremental): spelled by AppConfig.preload_mode.
    assert DECLARED["preload"]["default"] == AppConfig(project_root=tmp_path).preload_mode
    assert tuple(DECLARED["preload"]["enum"]) == PRELOAD_MODES


def test_the_declared_bounds_are_the_validators() -> None:
    port = DECLARED["port"]
    assert validate.port(port["minimum"]) == port["minimum"]
    assert validate.port(port["maximum"]) == port["maximum"]
    for outside in (port["minimum"] - 1, port["maximum"] + 1):
        with pytest.raises(validate.InvalidValue):
            validate.port(outside)
    assert validate.seconds(DECLARED["loadTimeout"]["minimum"]) > 0
