"""What a save since the imports were reported does to a layer (``saved_since``): real
files in a temporary folder, hand-written import graphs."""

from __future__ import annotations

import os
from pathlib import Path

from failsafe_flask.protocol import ImportedModule
from failsafe_flask.supervisor.saved_since import breaks, inert_now

VIEW = "from flask import Blueprint\n\nfrom shop import models\n\nbp = Blueprint('v', __name__)\n"


def imported(name: str, path: str, start: int, end: int, imports: list[str]) -> ImportedModule:
    """A module as the app reported it, its file stamped as it is on disk now."""
    return ImportedModule(
        name=name,
        file=path,
        start=start,
        end=end,
        imports=imports,
        files=[],
        never="",
        stamps=[(path, os.stat(path).st_mtime_ns)],
        seconds=0.01,
        rebound=[],
    )


def graph(root: Path) -> list[ImportedModule]:
    files = {
        "shop": "shop/__init__.py",
        "shop.models": "shop/models.py",
        "shop.views": "shop/views.py",
    }
    return [
        imported(
            name,
            str(root / relative),
            start,
            start + 10,
            ["shop", "shop.models"] if name == "shop.views" else [],
        )
        for start, (name, relative) in enumerate(files.items())
    ]


def project(root: Path) -> list[ImportedModule]:
    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text("class User:\n    pass\n")
    (root / "shop" / "views.py").write_text(VIEW)
    return graph(root)


def save(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a later mtime, however coarse


def test_the_saved_view_is_inert_as_the_app_ran_it(tmp_path: Path) -> None:
    modules = project(tmp_path)
    views = str(tmp_path / "shop" / "views.py")
    assert inert_now(modules, {views}) == {"shop.views"}
    save(tmp_path / "shop" / "views.py", VIEW + "models.User.count = 1\n")
    assert inert_now(modules, {views}) == set()  # saved again since: not what the app ran


def test_a_view_saved_as_no_longer_inert_breaks_a_layer_that_relied_on_it(tmp_path: Path) -> None:
    modules = project(tmp_path)
    kept = {"shop", "shop.models"}
    save(tmp_path / "shop" / "views.py", VIEW + "\nMARKER = 'new'\n")
    assert breaks(modules, kept, {"shop.views"}) == ""
    save(tmp_path / "shop" / "views.py", VIEW + "models.User.count = 1\n")
    assert "shop.views: it is no longer inert" in breaks(modules, kept, {"shop.views"})
    assert breaks(modules, kept, set()) == ""  # a layer that did not rely on it


def test_a_save_that_imports_a_project_module_never_imported_breaks_the_layer(
    tmp_path: Path,
) -> None:
    modules = project(tmp_path)
    save(tmp_path / "shop" / "views.py", VIEW + "from shop.models import User\n")
    assert breaks(modules, {"shop", "shop.models"}, set()) == ""  # a name, not a module
    (tmp_path / "shop" / "jobs.py").write_text("")
    save(tmp_path / "shop" / "views.py", VIEW + "from shop import jobs\n")
    why = breaks(modules, {"shop", "shop.models"}, set())
    assert why == "shop.views: it now imports shop.jobs, which no module imported before"
    save(tmp_path / "shop" / "views.py", "import json\nimport tools\n")  # no such file here
    assert breaks(modules, {"shop", "shop.models"}, set()) == ""
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "__init__.py").write_text("")
    assert "it now imports tools" in breaks(modules, {"shop", "shop.models"}, set())


PACKAGE = (
    "from flask import Blueprint\n\nbp = Blueprint('main', __name__)\n\nfrom . import routes\n"
)
ROUTES = "from . import bp\n\n\n@bp.route('/')\ndef index():\n    return 'x'\n"


def blueprint_package(root: Path) -> list[ImportedModule]:
    """main/__init__.py makes bp, then imports main/routes.py, which decorates it."""
    (root / "main").mkdir()
    (root / "main" / "__init__.py").write_text(PACKAGE)
    (root / "main" / "routes.py").write_text(ROUTES)
    return [
        imported("main", str(root / "main" / "__init__.py"), 0, 3, ["main.routes"]),
        imported("main.routes", str(root / "main" / "routes.py"), 1, 2, ["main"]),
    ]


def test_routes_that_decorate_their_package_blueprint_are_inert_with_the_package(
    tmp_path: Path,
) -> None:
    modules = blueprint_package(tmp_path)
    routes = str(tmp_path / "main" / "routes.py")
    assert inert_now(modules, {routes}) == {"main", "main.routes"}
    save(tmp_path / "main" / "__init__.py", PACKAGE + "print('made')\n")
    assert inert_now(modules, {routes}) == set()  # the package no longer just makes it


def test_routes_saved_doing_more_than_decorating_the_blueprint_break_the_layer(
    tmp_path: Path,
) -> None:
    modules = blueprint_package(tmp_path)
    inert = inert_now(modules, {str(tmp_path / "main" / "routes.py")})
    save(tmp_path / "main" / "routes.py", ROUTES + "bp.name = 'other'\n")
    assert "no longer inert" in breaks(modules, [], inert)
    save(tmp_path / "main" / "routes.py", ROUTES.replace("'x'", "'y'"))
    assert breaks(modules, [], inert) == ""
