"""Which apps a folder holds and which one a command names (lsp/apps.py, pure)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException

from failsafe_flask.lsp.apps import CHOOSE_APP, Folder, folder_apps, resolve
from failsafe_flask.lsp.settings import SettingsError

MONO = Folder("file:///w/mono", Path("/w/mono"), "mono")
API = Folder("file:///w/api", Path("/w/api"), "api")


def test_a_folder_without_apps_is_one_app_with_its_settings() -> None:
    [spec] = folder_apps(API, {"port": 5001, "apps": []})
    assert (spec.id, spec.name, spec.root) == (API.uri, "api", API.path)
    assert dict(spec.settings) == {"port": 5001}


def test_entries_override_the_folder_and_have_their_own_root() -> None:
    apps = [{"name": "backend", "root": "backend", "port": 5001}, {"name": "admin"}]
    backend, admin = folder_apps(MONO, {"port": 5000, "debug": False, "apps": apps})
    assert backend.id == "file:///w/mono#backend" and backend.root == Path("/w/mono/backend")
    assert dict(backend.settings) == {"port": 5001, "debug": False}
    assert admin.root == MONO.path and dict(admin.settings) == {"port": 5000, "debug": False}


@pytest.mark.parametrize(
    ("apps", "text"),
    [
        ({"name": "a"}, "must be a list"),
        (["a"], r"apps\[0\] must be an object"),
        ([{"port": 1}], r"apps\[0\].name must be"),
        ([{"name": "a#b"}], "without '#'"),
        ([{"name": "a", "root": "/abs"}], r"apps\[0\].root must be a folder path relative"),
        ([{"name": "a"}, {"name": "a"}], "'a' is used twice"),
    ],
)
def test_a_wrong_apps_list_gets_one_sentence(apps: object, text: str) -> None:
    with pytest.raises(SettingsError, match=text):
        folder_apps(MONO, {"apps": apps})


def test_resolve_by_id_name_folder_or_path() -> None:
    apps = [{"name": "backend", "root": "backend"}, {"name": "admin", "root": "admin"}]
    specs = [*folder_apps(MONO, {"apps": apps}), *folder_apps(API, {})]
    assert resolve(specs, "admin").id == "file:///w/mono#admin"
    assert resolve(specs, "file:///w/mono#backend").name == "backend"
    assert resolve(specs, "file:///w/api").name == "api"
    assert resolve(specs, "/w/mono/admin").name == "admin"  # its root's path
    assert resolve(specs[2:], None).name == "api"  # the only app


@pytest.mark.parametrize(
    ("ident", "text", "listed"),
    [
        (None, "several apps and the command names none", 3),
        ("file:///w/mono", "names several apps", 2),
        ("nope", "No app is named 'nope'", 3),
    ],
)
def test_resolve_refuses_with_the_apps_listed(ident: object, text: str, listed: int) -> None:
    apps = [{"name": "backend"}, {"name": "admin"}]
    specs = [*folder_apps(MONO, {"apps": apps}), *folder_apps(API, {})]
    with pytest.raises(JsonRpcException, match=text) as caught:
        resolve(specs, ident if isinstance(ident, str) else None)
    data = caught.value.data
    assert data["reason"] == CHOOSE_APP and len(data["apps"]) == listed
    assert all(f"{a['name']} ({a['appId']})" in caught.value.message for a in data["apps"])
