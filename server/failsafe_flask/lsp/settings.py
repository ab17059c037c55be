"""Client settings (camelCase JSON) -> AppConfig, with one clear sentence per mistake.

Every key is optional: a key not set falls back to FLASK_APP / FLASK_RUN_* / FLASK_DEBUG
(environment, ``.env``, ``.flaskenv``) as ``flask run`` does, then to AppConfig's defaults
(discovery of the app in the project root, debug on, ``.env`` loaded when the project has
one). The env file itself is loaded by the app process (``--env-file``) with python-dotenv
when the user's environment has it, as Flask does, so its values never pass through the
language server's logs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional, TypeVar

from .. import validate
from ..config import DEFAULT_ENV_FILE, DEFAULT_HOST, PRELOAD_MODES, AppConfig, preload_fields
from ..runsettings import RunSettingError, resolve
from ..validate import kind

SECTION = "failsafeFlask"  # the settings section pulled with workspace/configuration
T = TypeVar("T")


class SettingsError(ValueError):
    """A setting has the wrong type or value; str() is the text shown to the user."""


def _text(raw: Mapping[str, Any], key: str) -> Optional[str]:
    value = raw.get(key)
    if value is None or value == "":
        return None  # an empty field in a settings UI means "not set"
    if not isinstance(value, str):
        raise SettingsError(f"{SECTION}.{key} must be a string, got {kind(value)}")
    return _no_nul(value, key)


def _no_nul(value: str, key: str) -> str:
    # No path, name or argument of a process can hold one: say so here, not in a traceback.
    if "\0" in value:
        raise SettingsError(f"{SECTION}.{key} must not contain a NUL character")
    return value


def _checked(raw: Mapping[str, Any], key: str, check: Callable[[object], T]) -> Optional[T]:
    value = raw.get(key)
    if value is None:
        return None
    try:
        return check(value)
    except validate.InvalidValue as exc:
        raise SettingsError(f"{SECTION}.{key} {exc}") from None


def _host(raw: Mapping[str, Any]) -> Optional[str]:
    if raw.get("host") == "":
        return None  # an empty field means "not set" here too, not "every interface"
    return _checked(raw, "host", validate.host)


def _bool(raw: Mapping[str, Any], key: str) -> Optional[bool]:
    value = raw.get(key)
    if value is not None and not isinstance(value, bool):
        raise SettingsError(f"{SECTION}.{key} must be true or false, got {kind(value)}")
    return value


def _preload(raw: Mapping[str, Any]) -> dict[str, Optional[bool]]:
    """``preload``: ``"on"``, ``"packages"`` or ``"off"``; true and false as on and off."""
    value = raw.get("preload")
    if value is None:
        return {"preload": None, "incremental": None}
    if isinstance(value, bool):
        value = "on" if value else "off"
    if value not in PRELOAD_MODES:
        shown = json.dumps(value)[:40] if isinstance(value, str) else kind(value)
        raise SettingsError(f'{SECTION}.preload must be "on", "packages" or "off", got {shown}')
    return dict(preload_fields(value))


def _strings(raw: Mapping[str, Any], key: str) -> Optional[tuple[str, ...]]:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{SECTION}.{key} must be a list of strings, got {kind(value)}")
    return tuple(_no_nul(item, key) for item in value)


def _env(raw: Mapping[str, Any]) -> Optional[dict[str, str]]:
    value = raw.get("env")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SettingsError(f"{SECTION}.env must be an object of names to strings")
    env: dict[str, str] = {}
    for name, item in value.items():
        # Numbers and booleans are what a user means as text; nested values are not.
        if isinstance(item, (dict, list)) or item is None:
            raise SettingsError(f"{SECTION}.env.{name} must be a string, got {kind(item)}")
        env[str(name)] = str(item).lower() if isinstance(item, bool) else str(item)
    return env


def _env_file(raw: Mapping[str, Any], root: Path) -> Optional[str]:
    configured = _text(raw, "envFile")
    if configured is not None:
        return configured
    return DEFAULT_ENV_FILE if (root / DEFAULT_ENV_FILE).is_file() else None


def _default_env_file(raw: Mapping[str, Any], root: Path) -> bool:
    return _text(raw, "envFile") is None and _env_file(raw, root) is not None


def _debugpy(raw: Mapping[str, Any]) -> Optional[tuple[str, int]]:
    """``debugpy``: a port, ``"[HOST:]PORT"``, or true (a free port, chosen once)."""
    value = raw.get("debugpy")
    if value is None or value is False or value == "":
        return None
    if value is True:
        return (DEFAULT_HOST, 0)
    try:
        if isinstance(value, str):
            return validate.debug_address(value)
        return (DEFAULT_HOST, validate.port(value))
    except validate.InvalidValue as exc:
        raise SettingsError(f"{SECTION}.debugpy {exc}") from None


def _given(raw: Mapping[str, Any], root: Path) -> dict[str, Any]:
    """AppConfig's fields the settings set, by field name; None where a key is not set."""
    return {
        "app": _text(raw, "app"),
        "host": _host(raw),
        "port": _checked(raw, "port", validate.port),
        "debug": _bool(raw, "debug"),
        "python": _text(raw, "python"),
        **_preload(raw),
        "live_reload": _bool(raw, "liveReload"),
        # "" is a value here ("no prefix"), so it is checked, not dropped as "not set"
        "url_prefix": _checked(raw, "urlPrefix", validate.url_prefix),
        "env": _env(raw),
        "env_file": _env_file(raw, root),
        # A default .env that is deleted is simply no longer loaded; a named one is missed.
        "env_file_optional": _default_env_file(raw, root) or None,
        "extra_watch": _strings(raw, "extraWatch"),
        "excludes": _strings(raw, "excludes"),
        "load_timeout": _checked(raw, "loadTimeout", validate.seconds),
        "debugpy": _debugpy(raw),
        "debugpy_wait": _bool(raw, "debugpyWait"),
    }


def parse_settings(raw: object, project_root: Path) -> AppConfig:
    """Validate ``raw`` (the ``failsafeFlask`` settings object, or None) into an AppConfig.

    A key that is not set (null or absent) falls back as ``flask run``'s option would: to
    FLASK_APP, FLASK_RUN_HOST, FLASK_RUN_PORT, FLASK_DEBUG, ... from the environment and the
    dotenv files, else to AppConfig's own default.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{SECTION} settings must be an object, got {kind(raw)}")
    given = _given(raw, project_root)
    # What flask run would see: the server's environment, the env setting, the dotenv files.
    environ = {**os.environ, **(given["env"] or {})}
    try:
        fields = resolve(project_root, given, environ)
    except RunSettingError as exc:
        raise SettingsError(str(exc)) from None
    return AppConfig(project_root=project_root, **fields)


def unwrap_section(raw: object) -> object:
    """Clients send either the section itself or ``{"failsafeFlask": {...}}``: accept both."""
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        return raw[SECTION]
    return raw
