"""An app that closes the tool's descriptors never gets an event written into its files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from failsafe_flask.protocol import CHANNEL_LOST_NOTE
from failsafe_flask.supervisor.events import AppExited, AppOutput, State
from integration.supervisor_harness import Harness

# Closes every descriptor it did not open, then opens log files: they get the numbers
# the event pipe, the lifeline and the socket had.
APP = """
    import os
    os.closerange(3, 4096)
    logs = [open(f"log{i}.txt", "w") for i in range(6)]
    for log in logs:
        log.write("app log\\n")
        log.flush()

    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "hello"
"""


@pytest.mark.parametrize("preload", [True, False], ids=["forked", "spawned"])
async def test_a_closed_channel_is_reported_and_no_event_lands_in_a_users_file(
    start_app: Callable[..., Any], preload: bool
) -> None:
    app: Harness = await start_app({"app.py": APP}, preload=preload)
    exited = await app.wait(lambda e: isinstance(e, AppExited))
    assert isinstance(exited, AppExited)
    assert exited.message == "The app process closed its channel to the supervisor and stopped"
    await app.state(State.FAILED)
    said = [e.line for e in app.events if isinstance(e, AppOutput) and e.stream == "stderr"]
    notes = [line for line in said if line.startswith(CHANNEL_LOST_NOTE.split("(")[0])]
    assert len(notes) == 1 and "os.closerange" in notes[0], said
    for i in range(6):
        assert (app.root / f"log{i}.txt").read_text() == "app log\n"
