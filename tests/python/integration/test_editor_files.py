"""What editors write beside a saved file (locks, backups, swap files, write tests,
temporary files renamed over the real one) never restarts the app: a real Supervisor,
its native watcher, and the editor's own save path."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from failsafe_flask.supervisor.events import State, StatusChanged
from integration.supervisor_harness import Harness, aget, write

APP = """
    from flask import Flask
    from shop.views import bp

    app = Flask(__name__)
    app.register_blueprint(bp)

    @app.route("/version")
    def version():
        return "version 1"
"""
VIEWS = """
    from flask import Blueprint
    bp = Blueprint("shop", __name__)
"""
# Below shop/, beside views.py; every name sorts after app.py, so a watcher batch that
# holds both names the junk last (see the test).
EDITOR_FILES = {
    "shop/#views.py#": "emacs auto-save",
    "shop/views.py~": "backup",
    "shop/.views.py.swp": "vim swap",
    "shop/.views.py.swx": "vim swap",
    "shop/.views.py.swo": "vim swap",
    "shop/4913": "",
    "shop/views.py.tmp": "an editor's temporary file",
}

StartApp = Callable[..., "asyncio.Future[Harness]"]


def restart_messages(app: Harness, after: int) -> list[str]:
    """The reason of each restart since ``after``, in order (one per restart count)."""
    reasons: dict[int, str] = {}
    for event in app.events[after:]:
        if isinstance(event, StatusChanged) and event.status.state == State.RESTARTING:
            reasons.setdefault(event.status.restarts, event.status.message)
    return [reasons[count] for count in sorted(reasons)]


async def test_editor_lock_backup_and_swap_files_never_restart_the_app(
    start_app: StartApp,
) -> None:
    # shop/* is watched, as a user's extraWatch glob would make it: only the default
    # excludes keep these files from restarting the app.
    files = {"app.py": APP, "shop/__init__.py": "", "shop/views.py": VIEWS}
    app = await start_app(files, extra_watch=("shop/*",))
    await app.ready()
    mark = app.mark()
    write(app.root, EDITOR_FILES)
    os.symlink("user@host.4242:1700000000", app.root / "shop" / ".#views.py")  # Emacs's lock
    write(app.root, {"app.py": APP.replace("version 1", "version 2")})
    # The editor's save path, synchronously: had a junk file asked for a restart after
    # app.py, the restart's reason would name it.
    app.supervisor.file_changed(str(app.root / "app.py"))
    for name in [*EDITOR_FILES, "shop/.#views.py"]:
        app.supervisor.file_changed(str(app.root / name))
    await app.ready(mark)
    assert (await aget(f"{app.url}/version")).body == "version 2"
    # The watcher reports changes in the order they happened: any restart the junk
    # caused comes before this save's, which only the watcher sees.
    second = await app.save({"app.py": APP.replace("version 1", "version 3")}, via_editor=False)
    await app.ready(second)
    assert (await aget(f"{app.url}/version")).body == "version 3"
    assert restart_messages(app, mark) == ["Restarting: app.py changed"] * 2
    assert app.supervisor.status.restarts == 2


async def test_a_python_file_beside_them_still_restarts_the_app(start_app: StartApp) -> None:
    app = await start_app({"app.py": APP, "shop/__init__.py": "", "shop/views.py": VIEWS})
    await app.ready()
    mark = await app.save({"shop/views.py": VIEWS + "    VERSION = 2\n"}, via_editor=False)
    await app.ready(mark)
    assert restart_messages(app, mark) == ["Restarting: views.py changed"]
