"""A load that never finishes is reported after the load timeout, at the stuck line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from failsafe_flask import diagnostics
from failsafe_flask.supervisor.events import State
from integration.cli_harness import Terminal
from integration.supervisor_harness import Harness, aget

FIXED = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "loaded"
"""

BLOCKING = """
    import time
    from flask import Flask

    def connect_to_database():
        while True:
            time.sleep(0.05)

    connect_to_database()
    app = Flask(__name__)
"""

BUSY_LOOP = """
    from flask import Flask
    n = 0
    while n >= 0:
        n += 1
    app = Flask(__name__)
"""


@pytest.mark.parametrize(
    ("source", "lines", "function"),
    [(BLOCKING, (7,), "connect_to_database"), (BUSY_LOOP, (4, 5), "<module>")],
    ids=["blocking call", "busy loop"],
)
async def test_a_stuck_load_points_at_the_line_then_a_save_recovers(
    start_app: Callable[..., Any], source: str, lines: tuple[int, ...], function: str
) -> None:
    app: Harness = await start_app({"app.py": source}, load_timeout=1.0)
    error = await app.load_error()
    info = error.error
    assert info["type"] == "TimeoutError"
    assert info["message"] == "the app did not finish loading in 1 s; it was here:"
    stuck = info["frames"][-1]
    assert (stuck["file"], stuck["function"]) == (str(app.root / "app.py"), function)
    assert stuck["line"] in lines and stuck["project"]
    line = stuck["line"]
    assert not any("failsafe_flask" in frame["file"] for frame in info["frames"])
    state = await app.state(State.FAILED)
    assert state.status.message.endswith(f"(app.py:{line})")
    found = diagnostics.load_error_diagnostics(info, error.entry)[str(app.root / "app.py")]
    [shown] = [d for d in found if d.severity == diagnostics.lsp.DiagnosticSeverity.Error]
    assert shown.range.start.line == line - 1 and shown.message.startswith("TimeoutError: ")
    mark = await app.save({"app.py": FIXED})
    await app.ready(mark)
    assert (await aget(app.url)).body == "loaded"


def test_load_timeout_option_is_checked(tmp_path: Any) -> None:
    (tmp_path / "app.py").write_text("")
    term = Terminal(tmp_path, "--load-timeout", "0")
    assert term.wait() == 2
    assert "is not a positive number of seconds" in term.output()
