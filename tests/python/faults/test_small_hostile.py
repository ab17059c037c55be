"""Small hostile inputs from issue 12: each gives one clear answer, at once."""

from __future__ import annotations

import os
from pathlib import Path

from integration.cli_harness import Terminal
from integration.supervisor_harness import free_port, write

APP = """
    from flask import Flask
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "hello"
"""


def test_an_env_file_that_is_a_fifo_is_a_load_error_at_once(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    os.mkfifo(tmp_path / "dev.env")  # nobody ever writes to it: opening it would wait
    args = ("--port", str(free_port()), "--env-file", "dev.env", "--load-timeout", "5")
    term = Terminal(tmp_path, *args)
    try:
        said = term.expect("OSError: ")
        term.expect("The app failed to load")
    finally:
        term.kill_group()
    assert "FIFO" in said and "dev.env" in said
    assert term.count("preloader failed") == 0  # nothing waited for it to time out
