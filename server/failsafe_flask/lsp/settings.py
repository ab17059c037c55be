"""Client settings (camelCase JSON) -> AppConfig, with one clear sentence per mistake.

Every key is optional: zero settings means discovery of the app in the project root on
127.0.0.1:5000, debug on, ``.env`` loaded when the project has one. The env file itself is
loaded by the app process (``--env-file``) with python-dotenv when the user's environment
has it, as Flask does, so its values never pass through the language server's logs.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

from ..config import DEFAULT_HOST, DEFAULT_PORT, AppConfig

SECTION = "failsafeFlask"  # the settings section pulled with workspace/configuration
DEFAULT_ENV_FILE = ".env"
KEYS = (
    "app",
    "host",
    "port",
    "env",
    "envFile",
    "extraWatch",
    "excludes",
    "debug",
    "python",
    "preload",
    "loadTimeout",
)
DEFAULT_LOAD_TIMEOUT = 30.0


class SettingsError(ValueError):
    """A setting has the wrong type or value; str() is the text shown to the user."""


def _text(raw: Mapping[str, Any], key: str) -> Optional[str]:
    value = raw.get(key)
    if value is None or value == "":
        return None  # an empty field in a settings UI means "not set"
    if not isinstance(value, str):
        raise SettingsError(f"{SECTION}.{key} must be a string, got {_kind(value)}")
    return _no_nul(value, key)


def _no_nul(value: str, key: str) -> str:
    # No path, name or argument of a process can hold one: say so here, not in a traceback.
    if "\0" in value:
        raise SettingsError(f"{SECTION}.{key} must not contain a NUL character")
    return value


def _port(raw: Mapping[str, Any]) -> int:
    value = raw.get("port")
    if value is None:
        return DEFAULT_PORT
    # bool is an int subclass: `"port": true` is a mistake, not port 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"{SECTION}.port must be a whole number, got {_kind(value)}")
    if not 0 <= value <= 65535:
        raise SettingsError(f"{SECTION}.port must be between 0 and 65535, got {value}")
    return value


def _seconds(raw: Mapping[str, Any], key: str, default: float) -> float:
    value = raw.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"{SECTION}.{key} must be a number of seconds, got {_kind(value)}")
    if not 0 < value < float("inf"):
        raise SettingsError(f"{SECTION}.{key} must be more than 0 seconds, got {value}")
    return float(value)


def _bool(raw: Mapping[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise SettingsError(f"{SECTION}.{key} must be true or false, got {_kind(value)}")
    return value


def _strings(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{SECTION}.{key} must be a list of strings, got {_kind(value)}")
    return tuple(_no_nul(item, key) for item in value)


def _env(raw: Mapping[str, Any]) -> dict[str, str]:
    value = raw.get("env")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SettingsError(f"{SECTION}.env must be an object of names to strings")
    env: dict[str, str] = {}
    for name, item in value.items():
        if not name or "=" in name or "\0" in name:
            # The environment's own syntax: NAME=value, NUL-terminated.
            raise SettingsError(f"{SECTION}.env has a name no variable can have: {name!r}")
        # Numbers and booleans are what a user means as text; nested values are not.
        if isinstance(item, (dict, list)) or item is None:
            raise SettingsError(f"{SECTION}.env.{name} must be a string, got {_kind(item)}")
        text = str(item).lower() if isinstance(item, bool) else str(item)
        env[name] = _no_nul(text, f"env.{name}")
    return env


def _env_file(raw: Mapping[str, Any], root: Path) -> Optional[str]:
    configured = _text(raw, "envFile")
    if configured is not None:
        return configured
    # Like `flask run`: a .env in the project is used without being asked for.
    return DEFAULT_ENV_FILE if (root / DEFAULT_ENV_FILE).is_file() else None


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names.update({list: "a list", dict: "an object", type(None): "null"})
    return names.get(type(value), type(value).__name__)


def parse_settings(raw: object, project_root: Path) -> AppConfig:
    """Validate ``raw`` (the ``failsafeFlask`` settings object, or None) into an AppConfig."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{SECTION} settings must be an object, got {_kind(raw)}")
    return AppConfig(
        project_root=project_root,
        app=_text(raw, "app"),
        host=_text(raw, "host") or DEFAULT_HOST,
        port=_port(raw),
        debug=_bool(raw, "debug", True),
        python=_text(raw, "python") or sys.executable,
        preload=_bool(raw, "preload", True),
        env=_env(raw),
        env_file=_env_file(raw, project_root),
        extra_watch=_strings(raw, "extraWatch"),
        excludes=_strings(raw, "excludes"),
        load_timeout=_seconds(raw, "loadTimeout", DEFAULT_LOAD_TIMEOUT),
    )


def unwrap_section(raw: object) -> object:
    """Clients send either the section itself or ``{"failsafeFlask": {...}}``: accept both."""
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        return raw[SECTION]
    return raw
