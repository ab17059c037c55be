"""The keep rules of incremental restarts, on hand-written import graphs."""

from __future__ import annotations

from collections.abc import Sequence

from failsafe_flask.protocol import HOLDS_APP, ImportedModule
from failsafe_flask.supervisor.keep import (
    decide,
    imported_by,
    importers,
    never_kept,
    new_imports_of_kept,
)


def module(
    name: str,
    start: int,
    end: int,
    imports: Sequence[str] = (),
    files: Sequence[str] = (),
    never: str = "",
) -> ImportedModule:
    file = f"/p/{name.replace('.', '/')}.py"
    return ImportedModule(
        name=name,
        file=file,
        start=start,
        end=end,
        imports=list(imports),
        files=list(files),
        never=never,
        stamps=[(file, 1)],
        seconds=0.01,
        rebound=[],
    )


# app.py: `app = create_app()`; shop/__init__.py imports counter and registry at the top,
# create_app imports views (which imports models) and then other.
FACTORY = [
    module("app", 1, 14, ["shop", "shop.views", "shop.other"], never=HOLDS_APP),
    module("shop", 2, 7, ["shop.counter", "shop.registry"]),
    module("shop.counter", 3, 4),
    module("shop.registry", 5, 6, ["shop", "shop.counter"]),
    module("shop.views", 8, 11, ["shop", "shop.models", "shop.registry"]),
    module("shop.models", 9, 10, ["shop", "shop.registry"]),
    module("shop.other", 12, 13, ["shop", "shop.registry"]),
]


def test_a_leaf_save_keeps_what_ran_before_it_in_the_same_order() -> None:
    decision = decide(FACTORY, {"/p/shop/views.py"})
    assert decision.kept == ["shop", "shop.counter", "shop.registry", "shop.models"]
    assert decision.why_not["shop.views"] == "it changed"
    # other registers after views in a cold start: kept, it would register first
    assert "ran before it" in decision.why_not["shop.other"]
    assert decision.why_not["app"] == HOLDS_APP


def test_a_shared_module_drops_every_module_that_imports_it() -> None:
    decision = decide(FACTORY, {"/p/shop/registry.py"})
    assert decision.kept == []  # counter too: importing shop.counter runs shop first
    assert decision.why_not["shop"] == "it imports shop.registry, which is not kept"


def test_an_import_cycle_drops_as_a_whole() -> None:
    # registry imports its package (run first, not ended): a change to the package
    # drops registry too, although registry's body ended before the package's
    decision = decide(FACTORY, {"/p/shop.py"})
    assert decision.kept == []
    assert decision.why_not["shop.registry"] == "it imports shop, which is not kept"


def test_nothing_changed_keeps_all_but_the_app_holder() -> None:
    decision = decide(FACTORY, set())
    assert decision.kept == [m["name"] for m in FACTORY[1:]]


def test_a_file_read_at_import_counts_as_the_module() -> None:
    modules = [
        module("config", 1, 2, files=["/p/settings.cfg"]),
        module("views", 3, 4, ["config"]),
        module("app", 5, 6, ["views"], never=HOLDS_APP),
    ]
    decision = decide(modules, {"/p/settings.cfg"})
    assert decision.kept == []
    assert decision.why_not["config"] == "it read /p/settings.cfg, which changed"


def test_never_keep_marks_drop_their_importers_and_are_listed() -> None:
    modules = [
        module("jobs", 1, 2, never="it starts a thread"),
        module("views", 3, 4, ["jobs"]),
        module("util", 5, 6),
        module("app", 7, 8, ["views", "util"], never=HOLDS_APP),
    ]
    decision = decide(modules, set())
    assert decision.kept == ["util"]  # shares nothing with jobs: its order cannot show
    assert never_kept(modules) == {"jobs": "it starts a thread", "app": HOLDS_APP}


def test_the_circular_app_pattern_keeps_neither() -> None:
    # app.py: app = Flask(__name__); from app import routes  (routes: from app import app)
    modules = [
        module("app", 1, 4, ["routes"], never=HOLDS_APP),
        module("routes", 2, 3, ["app"]),
    ]
    assert decide(modules, set()).kept == []


def test_a_subpackage_module_needs_its_packages() -> None:
    modules = [
        module("pkg", 1, 2),
        module("pkg.sub", 3, 4),
        module("pkg.sub.leaf", 5, 6),
    ]
    decision = decide(modules, {"/p/pkg.py"})
    assert decision.kept == []
    assert decision.why_not["pkg.sub.leaf"] == "it imports pkg, which is not kept"


def test_independent_modules_are_kept_whatever_their_order() -> None:
    modules = [
        module("a", 1, 2),
        module("b", 3, 4),
        module("c", 5, 6),
    ]
    assert decide(modules, {"/p/a.py"}).kept == ["b", "c"]


def test_an_inert_saved_module_drops_nothing_that_ran_after_it() -> None:
    # views (saved) only makes a blueprint: other, which registers after it in a cold
    # start, may run first; app.py holds the app and is never kept
    decision = decide(FACTORY, {"/p/shop/views.py"}, inert={"shop.views"})
    assert decision.kept == ["shop", "shop.counter", "shop.registry", "shop.models", "shop.other"]
    assert decision.why_not == {"shop.views": "it changed", "app": HOLDS_APP}


def test_an_inert_module_that_is_kept_or_saved_not_changes_nothing() -> None:
    # inert counts for what is not kept: models (not saved) keeps its ordering with other
    with_inert = decide(FACTORY, {"/p/shop/views.py"}, inert={"shop.models"})
    assert with_inert == decide(FACTORY, {"/p/shop/views.py"})


def test_a_saved_module_that_now_imports_a_kept_one_is_seen() -> None:
    views = module("shop.views", 8, 11, ["shop", "shop.models", "shop.registry"])
    kept = {"shop", "shop.counter", "shop.registry", "shop.models"}
    same = "from . import models, registry\nfrom shop.registry import X\n"
    grew = "from . import models, registry\nfrom .counter import bump\n"
    later = "def f():\n    from . import counter\n"  # a call's import, not the module's
    assert new_imports_of_kept(views, imported_by(views["name"], same, False), kept) == []
    assert new_imports_of_kept(views, imported_by(views["name"], grew, False), kept) == [
        "shop.counter"
    ]
    assert new_imports_of_kept(views, imported_by(views["name"], later, False), kept) == []
    assert new_imports_of_kept(views, imported_by(views["name"], "def (:", False), kept) == []


def test_importers_are_every_module_that_imports_one_directly_or_through_others() -> None:
    assert importers(FACTORY, {"shop.models"}) == {"shop.views", "app"}
    assert importers(FACTORY, {"shop.counter"}) == {
        *("shop", "shop.registry", "shop.views", "shop.models", "shop.other", "app"),
    }
    # A package does not import the modules inside it by being their package.
    assert importers(FACTORY, {"app"}) == set()
