"""Ignored changes never delay nor cause a restart: a folder written 100 times a second.

The native watcher alone sees the saves here (no editor events), as for a change made in
a terminal. How fast the restart starts is measured in bench/large.py (the churn row).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from integration.supervisor_harness import Harness, aget
from system import DEADLINE

APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "version 1"
"""

StartApp = Callable[..., "asyncio.Future[Harness]"]


class Churn:
    """Writes new files into ignored places about 100 times a second, in a thread."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._stop = threading.Event()
        self._count = 0
        self._counted = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Churn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(DEADLINE)

    def _run(self) -> None:
        cache = self._root / "node_modules" / "cache"  # excluded, though its files are .py
        cache.mkdir(parents=True)
        n = 0
        while not self._stop.wait(0.01):  # the pace of the churn, not a wait for a result
            n += 1
            (cache / f"entry{n}.py").write_text(f"x = {n}\n")
            (self._root / f"data{n % 7}.json").write_text(str(n))  # not a watched kind
            with self._counted:
                self._count = n
                self._counted.notify_all()

    @property
    def count(self) -> int:
        with self._counted:
            return self._count

    async def written(self, at_least: int) -> None:
        def wait() -> bool:
            with self._counted:
                return self._counted.wait_for(lambda: self._count >= at_least, DEADLINE)

        assert await asyncio.to_thread(wait), "the churn did not get going"


async def test_a_save_restarts_while_an_ignored_folder_churns(start_app: StartApp) -> None:
    app = await start_app({"app.py": APP})
    await app.ready()
    with Churn(app.root) as churn:
        await churn.written(50)
        for version in (2, 3):
            mark = await app.save(
                {"app.py": APP.replace("version 1", f"version {version}")}, via_editor=False
            )
            await app.ready(mark)
            assert (await aget(app.url)).body == f"version {version}"
            await churn.written(churn.count + 50)
    # The second save was seen after the churn around it: no ignored file restarted.
    assert app.supervisor.status.restarts == 2
