"""Incremental restarts serve exactly what a cold start serves: a seeded property test.

Random edits to a project with import-time side effects (``incremental_project``); after
each restart, the page must equal the page of a cold start of the same files in a new
interpreter (no preloader, no layer). Set ``FAILSAFE_INCREMENTAL_SEED`` to replay a run.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from failsafe_flask.supervisor.events import AppOutput
from integration import blueprint_packages
from integration.incremental_project import Project
from integration.supervisor_harness import Harness, aget
from system import DEADLINE, until

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="layers are forks")

StartApp = Callable[..., "asyncio.Future[Harness]"]
SEED = int(os.environ.get("FAILSAFE_INCREMENTAL_SEED", "20261205"))
STEPS = 14

# A cold start: a new interpreter loads the app as flask run does and serves "/" once.
_COLD = """
import sys
from flask.cli import ScriptInfo
app = ScriptInfo(app_import_path="app").load_app()
print(app.test_client().get(sys.argv[1]).get_data(as_text=True))
"""


def cold_page(root: Path, url: str = "/") -> Any:
    env = {**os.environ, "FLASK_DEBUG": "1", "FLASK_RUN_FROM_CLI": "true"}
    out = subprocess.run(
        [sys.executable, "-c", _COLD, url],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=True,
    )
    return json.loads(out.stdout)


async def layer_built(app: Harness, runs: int) -> None:
    """The imports of the ``runs``-th app process are learned from and its layer is
    built (or none was worth building): the next save may fork from it."""
    layers = app.supervisor._launcher.layers
    await until(lambda: layers.learned >= runs and layers.settled, "the layer is built")


async def served(app: Harness) -> tuple[Any, list[str]]:
    page = json.loads((await aget(app.url + "/")).body)
    kept = json.loads((await aget(app.url + "/kept")).body)
    return page, kept


async def test_random_edits_serve_what_a_cold_start_serves(
    start_app: StartApp, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    project = Project()
    app = await start_app(project.files(), app="app", extra_watch=("*.cfg",))
    await app.ready()
    page, _ = await served(app)
    assert page == await asyncio.to_thread(cold_page, tmp_path)
    forked_from_layer = offered = 0
    for step in range(1, STEPS + 1):
        waited = rng.random() < 0.75  # else the save may come while the layer is being built
        if waited:
            await layer_built(app, step)
        kept_before = app.supervisor._launcher.layers.kept if waited else ()
        changed = project.edit(rng, step)
        offered += bool(kept_before) and not set(changed) & files_of(kept_before)
        files = project.files()
        await app.ready(await app.save({name: files[name] for name in changed}))
        page, kept = await served(app)
        forked_from_layer += bool(kept)
        cold = await asyncio.to_thread(cold_page, tmp_path)
        assert page == cold, f"seed {SEED} step {step}: saved {changed}, layer kept {kept}"
    # Not a test of layers unless some restarts forked from one: of the saves that left a
    # built layer good, most must have (an edit that adds an import of a kept module
    # retires it, ``saved_since.breaks``).
    assert offered, f"seed {SEED}: no save came with a good layer; try another seed"
    assert forked_from_layer >= min(3, offered), f"seed {SEED}: {forked_from_layer} of {offered}"


def files_of(modules: tuple[str, ...]) -> set[str]:
    """The project files a layer holding ``modules`` was built from (its stale check)."""
    files = {name.replace(".", "/") + ".py" for name in modules}
    files |= {name.replace(".", "/") + "/__init__.py" for name in modules}
    return files | ({"settings.cfg"} if "shop.settings" in modules else set())


async def test_a_module_that_starts_a_thread_is_never_kept_and_the_log_says_so(
    start_app: StartApp, tmp_path: Path
) -> None:
    project = Project()
    app = await start_app(project.files(), app="app")
    await app.ready()
    for runs, value in ((1, 7), (2, 8)):  # the first save tells which file is saved next
        await layer_built(app, runs)
        project.leaves[2] = (value, False)  # the last leaf: what ran before it can be kept
        files = project.files()
        await app.ready(await app.save({"shop/leaf_2.py": files["shop/leaf_2.py"]}))
    page, kept = await served(app)
    assert page == await asyncio.to_thread(cold_page, tmp_path)
    assert "shop.models_b" in kept and "shop.jobs" not in kept and "app" not in kept
    assert "app.routes" not in kept  # it imports app, which holds the app object
    notes = [e.line for e in app.events if isinstance(e, AppOutput) and "shop.jobs" in e.line]
    assert len(notes) == 1 and "it starts a thread" in notes[0], notes


async def test_a_save_that_makes_a_module_register_too_keeps_the_registry_order(
    start_app: StartApp, tmp_path: Path
) -> None:
    project = Project()
    project.tools[1] = (0, True)  # tool_1 registers; tool_0, imported before it, does not
    app = await start_app(project.files(), app="app")
    await app.ready()
    layers = app.supervisor._launcher.layers
    for runs, value in ((1, 1), (2, 2)):  # tool_0 is the file saved last: the layer keeps tool_1
        await layer_built(app, runs)
        project.tools[0] = (value, False)
        await app.ready(await app.save({"tool_0.py": project.files()["tool_0.py"]}))
    await layer_built(app, 3)
    assert "tool_1" in layers.kept
    project.tools[0] = (3, True)  # now it registers, before tool_1 in a cold start
    await app.ready(await app.save({"tool_0.py": project.files()["tool_0.py"]}))
    page, _ = await served(app)
    assert page == await asyncio.to_thread(cold_page, tmp_path)
    assert page["registry"] == ["tool_0-3", "tool_1-0"]


async def test_a_package_whose_body_imports_the_saved_module_runs_again_around_the_kept(
    start_app: StartApp, tmp_path: Path
) -> None:
    project = Project()
    app = await start_app(project.files(), app="app")
    await app.ready()
    # shop/views/__init__.py imports bp_0 then bp_1; bp_1 is saved; the third restart's
    # layer was decided from the imports of a run forked from a layer
    for text in (1, 2, 3):
        await layer_built(app, text)
        project.blueprints[1] = (text, text == 3)
        await save_blueprint(app, project, 1)
    page, kept = await served(app)
    assert "shop.views.bp_0" in kept and "shop.views" not in kept
    assert page == await asyncio.to_thread(cold_page, tmp_path)
    assert page["views"] == ["bp_0", "bp_1"] and page["registry"] == ["bp_1-3"]


async def save_blueprint(app: Harness, project: Project, index: int) -> None:
    """Save blueprint ``index`` as ``project`` has it now; wait for the app it loads."""
    name = f"shop/views/bp_{index}.py"
    await app.ready(await app.save({name: project.files()[name]}))


async def save_twice(app: Harness, project: Project, index: int, texts: tuple[int, int]) -> None:
    """Save blueprint ``index`` twice: after the first save it is the file saved last, so
    the layer built next is the one for saving it again."""
    for runs, text in enumerate(texts, start=1):
        await layer_built(app, runs)
        project.blueprints[index] = (text, project.blueprints[index][1])
        await save_blueprint(app, project, index)
    await layer_built(app, len(texts) + 1)


async def test_an_inert_view_saved_keeps_the_modules_that_ran_after_it(
    start_app: StartApp, tmp_path: Path
) -> None:
    project = Project()  # bp_0 only makes its blueprint; bp_1 and the leaves count
    app = await start_app(project.files(), app="app")
    await app.ready()
    await save_twice(app, project, 0, (1, 2))
    kept = app.supervisor._launcher.layers.kept
    # bp_1 ran after bp_0 and imports what it imports; the leaves come after the views
    # package, which imports bp_0 and counts itself: it runs again, before them
    assert "shop.views.bp_1" in kept and "shop.leaf_0" not in kept, kept
    project.blueprints[0] = (3, False)
    await save_blueprint(app, project, 0)
    page, kept_by_fork = await served(app)
    assert "shop.views.bp_1" in kept_by_fork
    assert page == await asyncio.to_thread(cold_page, tmp_path)


async def test_a_view_that_imports_a_name_a_later_module_rebinds_is_not_inert(
    start_app: StartApp, tmp_path: Path
) -> None:
    project = Project()
    project.blueprints[1] = (0, True)  # registers after bp_0: rebinds registry.LAST
    app = await start_app(project.files(), app="app")
    await app.ready()
    await save_twice(app, project, 0, (1, 2))
    project.blueprints[0] = (3, False)
    await save_blueprint(app, project, 0)
    page, _ = await served(app)
    assert page == await asyncio.to_thread(cold_page, tmp_path)
    assert page["last"][0] == "None"  # bound before bp_1 registered, as in a cold start


async def test_a_view_saved_as_no_longer_inert_is_not_forked_from_the_layer(
    start_app: StartApp, tmp_path: Path
) -> None:
    project = Project()
    app = await start_app(project.files(), app="app")
    await app.ready()
    await save_twice(app, project, 0, (1, 2))
    assert "shop.views.bp_1" in app.supervisor._launcher.layers.kept
    project.quiet[0] = False  # it counts itself now, before bp_1 in a cold start
    await save_blueprint(app, project, 0)
    page, kept = await served(app)
    assert page == await asyncio.to_thread(cold_page, tmp_path)
    assert kept == [] and page["counter"].index("bp_0") < page["counter"].index("bp_1")


async def _save_routes(app: Harness, text: str, shared: bool = False) -> None:
    routes = blueprint_packages.files(text, shared)["app/main/routes.py"]
    await app.ready(await app.save({"app/main/routes.py": routes}))


async def _served_state(app: Harness) -> tuple[Any, list[str]]:
    state = json.loads((await aget(app.url + "/state")).body)
    return state, json.loads((await aget(app.url + "/kept")).body)


async def test_saving_the_routes_of_a_blueprint_package_keeps_the_other_blueprints(
    start_app: StartApp, tmp_path: Path
) -> None:
    """The layout of Flask's larger tutorials (``blueprint_packages``): the saved routes
    module and the package that made its blueprint are re-run, inert, and the blueprint
    registered after them stays kept."""
    app = await start_app(blueprint_packages.files("v0"), app="app")
    await app.ready()
    for runs, text in enumerate(("v1", "v2"), start=1):  # main.routes becomes the one saved
        await layer_built(app, runs)
        await _save_routes(app, text)
    await layer_built(app, 3)
    await _save_routes(app, "v3")
    state, kept = await _served_state(app)
    assert "app.auth.routes" in kept
    assert state == await asyncio.to_thread(cold_page, tmp_path, "/state")


async def test_a_blueprint_made_by_a_kept_module_is_not_decorated_as_fresh(
    start_app: StartApp, tmp_path: Path
) -> None:
    """``shared``: auth.routes, kept, records on the blueprint main.routes decorates; were
    main.routes taken as inert, auth's record would come first (made in the layer)."""
    app = await start_app(blueprint_packages.files("v0", shared=True), app="app")
    await app.ready()
    for runs, text in enumerate(("v1", "v2", "v3"), start=1):
        await layer_built(app, runs)
        await _save_routes(app, text, shared=True)
    state, kept = await _served_state(app)
    assert "app.auth.routes" not in kept
    assert state == await asyncio.to_thread(cold_page, tmp_path, "/state")
