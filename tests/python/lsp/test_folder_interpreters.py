"""Each workspace folder's own interpreter (issue 16): ``python`` is read per folder with
workspace/configuration's scopeUri (VS Code answers with the Python extension's
interpreter for that folder), so two folders run their apps with two virtual
environments at once, in one language server; changing one folder's interpreter
restarts that app alone, with the new one.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp

from venvs import make_venv

from .conftest import free_port
from .test_several_apps import Open, _start, _state, _uri, workspace  # noqa: F401 - fixture

APP = """import sys

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return sys.executable
"""


async def test_each_folder_runs_with_its_own_interpreter(workspace: Open, tmp_path: Path) -> None:  # noqa: F811
    pythons = {name: make_venv(tmp_path / f"venv-{name}") for name in ("api", "admin", "new")}
    ports = {"api": free_port(), "admin": free_port()}
    folders = {name: {"port": ports[name], "python": str(pythons[name])} for name in ports}
    files = {f"{name}/app.py": APP for name in ports}
    session = await workspace(folders, files)
    api = await _start(session, "api")
    admin = await _start(session, "admin")
    assert await session.get("/", ports["api"]) == (200, str(pythons["api"]))
    assert await session.get("/", ports["admin"]) == (200, str(pythons["admin"]))

    # admin's interpreter changes (as the Python extension's selection for that folder):
    # admin restarts with it, api keeps its process.
    changed = {"port": ports["admin"], "python": str(pythons["new"])}
    session.client.set_configuration(
        changed, section="failsafeFlask", scope_uri=_uri(tmp_path / "admin")
    )
    mark = session.mark()
    session.client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings=None)
    )
    await _state(session, admin["appId"], "running", mark)
    assert await session.get("/", ports["admin"]) == (200, str(pythons["new"]))
    api_now = await session.command("failsafe-flask.status", "api")
    assert api_now["pid"] == api["pid"]
    assert await session.get("/", ports["api"]) == (200, str(pythons["api"]))
