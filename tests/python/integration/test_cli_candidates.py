"""`failsafe-flask run` in a project where flask run finds nothing: it lists what it found."""

from __future__ import annotations

from pathlib import Path

from integration.cli_harness import Terminals
from integration.supervisor_harness import get, write
from system import free_port

BACKEND = {
    "backend/app.py": (
        "from flask import Flask\nfrom greeting import TEXT\n\napp = Flask(__name__)\n\n\n"
        '@app.route("/")\ndef index():\n    return TEXT\n'
    ),
    "backend/greeting.py": 'TEXT = "from the backend"\n',
    "frontend/index.html": "<!doctype html><p>front</p>\n",
}


def test_no_app_lists_the_candidates(tmp_path: Path, terminals: Terminals) -> None:
    write(tmp_path, BACKEND)
    term = terminals(tmp_path, "--port", str(free_port()))
    assert term.wait() == 2
    out = term.output()
    assert "No Flask app found" in out
    assert "backend/app.py:app (backend/app.py)" in out and "--app" in out


def test_the_candidate_as_printed_runs(tmp_path: Path, terminals: Terminals) -> None:
    write(tmp_path, BACKEND)
    port = free_port()
    term = terminals(tmp_path, "--port", str(port), "--app", "backend/app.py:app")
    term.expect("Running: serving on")
    # The path form puts backend/ on sys.path, as flask --app does: its imports work.
    assert get(f"http://127.0.0.1:{port}/").body == "from the backend"
