"""The map app id -> slot, and the settings each folder's apps are made from.

Settings come in three layers, each over the one before: ``initializationOptions`` (for
every folder), the ``failsafeFlask`` section of the folder (pulled with its ``scopeUri``,
or pushed for every folder by a client that cannot be asked), then the app's entry in
``failsafeFlask.apps``. A folder whose ``apps`` list is wrong has no apps until it is
fixed, and says so; the other folders' apps are untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Callable, Optional

from .apps import AppSpec, Folder, folder_apps, resolve
from .settings import SettingsError
from .slot import AppSlot

MakeSlot = Callable[[AppSpec], AppSlot]


class AppRegistry:
    def __init__(self, make_slot: MakeSlot) -> None:
        self.init_settings: dict[str, Any] = {}  # initializationOptions (carries "python")
        self.pushed: dict[str, Any] = {}  # didChangeConfiguration's, for a client not asked
        self.pulled: dict[str, dict[str, Any]] = {}  # by folder URI: workspace/configuration
        self.problems: dict[str, str] = {}  # by folder URI: what is wrong with its apps list
        self.count = 0  # how many apps the workspace held when last counted
        self._slots: dict[str, AppSlot] = {}
        self._make = make_slot

    def folder_settings(self, folder: Folder) -> dict[str, Any]:
        return {**self.init_settings, **self.pulled.get(folder.uri, self.pushed)}

    def specs(self, folders: Sequence[Folder]) -> list[AppSpec]:
        specs: list[AppSpec] = []
        self.problems = {}
        for folder in folders:
            try:
                specs.extend(folder_apps(folder, self.folder_settings(folder)))
            except SettingsError as exc:
                self.problems[folder.uri] = str(exc)
        self.count = len(specs)
        return specs

    def slot(self, spec: AppSpec) -> AppSlot:
        """The app's slot, made on first use; it takes the newest spec for its id."""
        slot = self._slots.get(spec.id)
        if slot is None:
            slot = self._slots[spec.id] = self._make(spec)
        slot.spec = spec
        return slot

    def resolve(self, folders: Sequence[Folder], ident: Optional[str]) -> AppSlot:
        specs = self.specs(folders)
        if not specs and self.problems:
            raise SettingsError(" ".join(self.problems.values()))
        return self.slot(resolve(specs, ident))

    def slots(self) -> Iterator[AppSlot]:
        yield from list(self._slots.values())

    def forget(self, slot: AppSlot) -> None:
        self._slots.pop(slot.id, None)

    def running_others(self, slot: AppSlot) -> list[tuple[AppSpec, Any]]:
        """(spec, the config it runs with) of every other app that runs."""
        return [
            (other.spec, other.applied)
            for other in self.slots()
            if other is not slot and other.running() and other.applied is not None
        ]
