"""Which apps a workspace holds, and which one a command means.

An app is a workspace folder (its id is the folder's URI), or one entry of a folder's
``failsafeFlask.apps`` list (a monorepo; its id is ``folderUri#name``). An entry's keys
override the folder's settings for that app alone; its ``root`` (a path relative to the
folder) is the app's project root, so that a change under ``admin/`` never restarts the
``backend/`` app. Pure: no I/O, no server state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from ..validate import kind
from .settings import SECTION, SettingsError

APPS = "apps"  # the key of the list in the failsafeFlask section
CHOOSE_APP = "chooseApp"  # the error data's reason when a command must name its app
_OWN_KEYS = ("name", "root")  # an entry's keys that are not failsafeFlask settings


@dataclass(frozen=True)
class Folder:
    uri: str
    path: Path
    name: str


@dataclass(frozen=True)
class AppSpec:
    id: str  # the folder URI, or folderUri#name
    name: str  # the entry's name, or the folder's
    folder: Folder
    root: Path  # the app's project root: the folder, or the entry's root below it
    settings: Mapping[str, Any] = field(default_factory=dict)  # the failsafeFlask keys

    def describe(self) -> str:
        return f"{self.name} ({self.id})"

    def identified_by(self, ident: str) -> bool:
        """Its id, its name, its folder (URI or path) or its root's path."""
        path = _as_path(ident)
        paths = {self.folder.path, self.root}
        return ident in (self.id, self.name, self.folder.uri) or path in paths


def _as_path(ident: str) -> Optional[Path]:
    text = to_fs_path(ident) if ident.startswith("file:") else ident
    if not text or not Path(text).is_absolute():
        return None
    return Path(text).resolve()


def folder_apps(folder: Folder, settings: Mapping[str, Any]) -> list[AppSpec]:
    """The apps of one folder: its ``apps`` entries, else the folder itself."""
    base = {k: v for k, v in settings.items() if k != APPS}
    entries = settings.get(APPS)
    if entries is None or entries == []:
        return [AppSpec(folder.uri, folder.name, folder, folder.path, base)]
    if not isinstance(entries, list):
        raise SettingsError(f"{SECTION}.{APPS} must be a list of objects, got {kind(entries)}")
    specs = [_entry(folder, base, entry, i) for i, entry in enumerate(entries)]
    names = [spec.name for spec in specs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise SettingsError(f"{SECTION}.{APPS}: the name {twice[0]!r} is used twice")
    return specs


def _entry(folder: Folder, base: Mapping[str, Any], entry: object, i: int) -> AppSpec:
    where = f"{SECTION}.{APPS}[{i}]"
    if not isinstance(entry, dict):
        raise SettingsError(f"{where} must be an object {{name, app, port, ...}}")
    name = entry.get("name")
    if not isinstance(name, str) or not name or "#" in name:
        raise SettingsError(f"{where}.name must be a non-empty string without '#'")
    root = entry.get("root", "")
    if not isinstance(root, str) or Path(root).is_absolute():
        raise SettingsError(f"{where}.root must be a folder path relative to {folder.path}")
    own = {k: v for k, v in entry.items() if k not in _OWN_KEYS}
    path = (folder.path / root).resolve()
    return AppSpec(f"{folder.uri}#{name}", name, folder, path, {**base, **own})


def choose_app_error(specs: Sequence[AppSpec], text: str) -> JsonRpcException:
    """RequestFailed naming the apps, with them in ``data`` for a client to offer."""
    listed = ", ".join(spec.describe() for spec in specs)
    data = {
        "reason": CHOOSE_APP,
        "apps": [{"appId": s.id, "name": s.name, "folder": s.folder.uri} for s in specs],
    }
    message = f"{text} The apps: {listed}. Name one (its name or folder URI) as the argument."
    return JsonRpcException(message, lsp.LSPErrorCodes.RequestFailed, data)


def resolve(specs: Sequence[AppSpec], ident: Optional[str]) -> AppSpec:
    """The app ``ident`` names; without one, the only app. Else a listing error."""
    if ident is None:
        if len(specs) == 1:
            return specs[0]
        raise choose_app_error(specs, "There are several apps and the command names none.")
    exact = [spec for spec in specs if spec.id == ident]
    found = exact or [spec for spec in specs if spec.identified_by(ident)]
    if len(found) == 1:
        return found[0]
    if found:
        raise choose_app_error(found, f"{ident!r} names several apps.")
    raise choose_app_error(specs, f"No app is named {ident!r}.")
