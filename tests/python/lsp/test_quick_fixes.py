"""Quick fixes over LSP (issue 18): the real server, real apps. Each of the four fixes is
asked for with textDocument/codeAction on the diagnostic the server published, applied
as a client applies it (its edit, or its command sent back), and the app comes back.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any, Union

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.protocol import default_converter
from pygls.uris import to_fs_path
from pytest_lsp import client_capabilities

from venvs import make_venv, make_wheel

from .conftest import DEADLINE, Session, SessionFactory, free_port, vscode_capabilities
from .test_several_apps import Open, _start, _state, workspace  # noqa: F401 - fixture

HELLO = """from flask import Flask

app = Flask(__name__)


@app.get('/')
def index():
    return 'hello'
"""


def _fixable(session: Session, name: str, fix: str) -> Any:
    def found() -> Any:
        items = session.diagnostics.get(session.uri(name), [])
        return next(
            (d for d in items if isinstance(d.data, dict) and d.data.get("fix") == fix), None
        )

    return found


def _action_or_command(obj: Any, _: type) -> Union[lsp.Command, lsp.CodeAction]:
    # lsprotocol 2025.0.0 reads any item with a "command" key as a Command, though a
    # CodeAction's command is an object and a Command's a string: read it as clients do.
    command = isinstance(obj.get("command"), str)
    return _CONVERTER.structure(obj, lsp.Command if command else lsp.CodeAction)


_CONVERTER = default_converter()
_CONVERTER.register_structure_hook(Union[lsp.Command, lsp.CodeAction], _action_or_command)


async def _actions(session: Session, name: str, diagnostic: lsp.Diagnostic) -> list[lsp.CodeAction]:
    session.client.protocol._converter.register_structure_hook(  # see _action_or_command
        Union[lsp.Command, lsp.CodeAction], _action_or_command
    )
    params = lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=session.uri(name)),
        range=diagnostic.range,
        context=lsp.CodeActionContext(diagnostics=[diagnostic], only=[lsp.CodeActionKind.QuickFix]),
    )
    found = await asyncio.wait_for(session.client.text_document_code_action_async(params), DEADLINE)
    return [a for a in found or [] if isinstance(a, lsp.CodeAction)]


async def _run(session: Session, action: lsp.CodeAction) -> Any:
    """As a client does: the action's command goes back to the server."""
    assert action.command is not None
    return await session.command(action.command.command, *(action.command.arguments or []))


async def test_missing_module_is_installed_into_the_apps_interpreter(
    lsp_session: SessionFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = make_venv(tmp_path / "venv")
    make_wheel(tmp_path / "wheels", "fsf_quickfix_demo", "WORD = 'installed'\n")
    # pip offline, from the folder: what the server runs inherits its environment.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "wheels"))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    app = HELLO.replace(
        "from flask import Flask\n", "from flask import Flask\nimport fsf_quickfix_demo\n"
    )
    app = app.replace("return 'hello'", "return fsf_quickfix_demo.WORD")
    session = await lsp_session(settings={"python": str(python)}, files={"project/app.py": app})
    await session.command("failsafe-flask.start", {"workspaceFolder": str(tmp_path / "project")})
    diagnostic = await session.until(
        _fixable(session, "project/app.py", "install"), "the install fix"
    )
    assert diagnostic.data["module"] == "fsf_quickfix_demo"
    [action] = await _actions(session, "project/app.py", diagnostic)
    assert action.title == f"Install fsf-quickfix-demo into the app's Python ({python})"
    assert action.command is not None
    assert action.command.arguments[0]["commandLine"] == [
        str(python),
        "-m",
        "pip",
        "install",
        "fsf-quickfix-demo",
    ]
    mark = session.mark()
    await _run(session, action)
    await session.state("running", after=mark)
    assert await session.get("/") == (200, "installed")
    assert list((tmp_path / "venv").glob("lib/python*/site-packages/fsf_quickfix_demo.py"))


async def test_missing_template_is_created(lsp_session: SessionFactory) -> None:
    app = HELLO.replace("import Flask", "import Flask, render_template").replace(
        "return 'hello'", "return render_template('pages/missing.html')"
    )
    session = await lsp_session(files={"app.py": app, "templates/base.html": "x\n"})
    await session.command("failsafe-flask.start")
    await session.state("running")
    assert (await session.get("/"))[0] == 500
    diagnostic = await session.until(_fixable(session, "app.py", "template"), "the template fix")
    [action] = await _actions(session, "app.py", diagnostic)
    assert action.title == "Create the template templates/pages/missing.html"
    assert action.edit is not None and action.edit.document_changes is not None
    for change in action.edit.document_changes:  # applied as the client would
        assert isinstance(change, lsp.CreateFile)
        path = Path(to_fs_path(change.uri) or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<p>{{ 1 + 1 }}</p>", encoding="utf-8")
    assert await session.get("/") == (200, "<p>2</p>")


async def test_a_port_taken_by_another_program_offers_the_next_free_one(
    lsp_session: SessionFactory,
) -> None:
    session = await lsp_session(files={"app.py": HELLO})
    with socket.socket() as other:
        other.bind(("127.0.0.1", session.port))
        other.listen()
        with pytest.raises(JsonRpcException) as refused:
            await session.command("failsafe-flask.start")
        assert refused.value.data["reason"] == "portTaken"
        diagnostic = await session.until(_fixable(session, "app.py", "port"), "the port fix")
        assert diagnostic.range.start.line == 2  # app = Flask(__name__)
        [action] = await _actions(session, "app.py", diagnostic)
        assert action.title.startswith("Use port ")
        mark = session.mark()
        await _run(session, action)
        status = await session.state("running", after=mark)
        port = int(status["url"].rsplit(":", 1)[1].rstrip("/"))
        assert port != session.port and action.title == f"Use port {port} for p"
        assert await session.get("/", port=port) == (200, "hello")
        assert session.diagnostics.get(session.uri("app.py")) == []


async def test_no_app_found_offers_each_candidate(lsp_session: SessionFactory) -> None:
    files = {"backend/server.py": HELLO, "admin/pages.py": HELLO.replace("'hello'", "'admin'")}
    session = await lsp_session(files=files)
    with pytest.raises(JsonRpcException):
        await session.command("failsafe-flask.start")
    diagnostic = await session.until(
        _fixable(session, "admin/pages.py", "chooseApp"), "the app fix"
    )
    actions = await _actions(session, "admin/pages.py", diagnostic)
    titles = [a.title for a in actions]
    assert titles == [f"Run {app} as the app" for app in diagnostic.data["candidates"]]
    assert len(titles) == 2
    chosen = next(a for a in actions if "admin" in a.title)
    mark = session.mark()
    await _run(session, chosen)
    await session.state("running", after=mark)
    assert await session.get("/") == (200, "admin")
    assert session.diagnostics.get(session.uri("backend/server.py")) == []


async def test_code_description_only_for_a_client_that_takes_it(
    lsp_session: SessionFactory,
) -> None:
    caps = vscode_capabilities()
    assert caps.text_document and caps.text_document.publish_diagnostics
    caps.text_document.publish_diagnostics.code_description_support = False
    session = await lsp_session(capabilities=caps, files={"app.py": HELLO + "\nundefined_name\n"})
    await session.command("failsafe-flask.start")
    found = await session.until(lambda: session.diagnostics.get(session.uri("app.py")), "the error")
    assert found[0].code == "NameError" and found[0].code_description is None


async def test_a_port_taken_by_another_app_offers_the_next_free_one(workspace: Open) -> None:  # noqa: F811
    port = free_port()
    folders = {"api": {"port": port}, "admin": {"port": port}}
    admin_app = HELLO.replace("'hello'", "'admin'")
    session = await workspace(folders, {"api/app.py": HELLO, "admin/app.py": admin_app})
    api = await _start(session, "api")
    with pytest.raises(JsonRpcException) as refused:
        await session.command("failsafe-flask.start", "admin")
    assert refused.value.data["by"] == api["appId"]
    diagnostic = await session.until(_fixable(session, "admin/app.py", "port"), "the port fix")
    [action] = await _actions(session, "admin/app.py", diagnostic)
    assert action.title.startswith("Use port ") and action.title.endswith(" for admin")
    mark = session.mark()
    await _run(session, action)
    admin = await _state(session, session.uri("admin"), "running", mark)
    assert not admin["url"].endswith(f":{port}/")
    assert await session.get("/", port) == (200, "hello")
    assert await session.get("/", int(admin["url"].rsplit(":", 1)[1].rstrip("/"))) == (200, "admin")


async def test_a_client_without_create_file_gets_a_command(lsp_session: SessionFactory) -> None:
    """eglot (Emacs 29) declares no resource operations: the server creates the file."""
    caps = client_capabilities("emacs@v29.1")
    app = HELLO.replace("import Flask", "import Flask, render_template").replace(
        "return 'hello'", "return render_template('missing.html')"
    )
    session = await lsp_session(capabilities=caps, files={"app.py": app})
    await session.command("failsafe-flask.start")
    await session.state("running")
    assert (await session.get("/"))[0] == 500
    diagnostic = await session.until(_fixable(session, "app.py", "template"), "the template fix")
    [action] = await _actions(session, "app.py", diagnostic)
    assert action.edit is None and action.command is not None
    assert action.command.command == "failsafe-flask.createTemplate"
    await _run(session, action)
    assert (session.root / "templates" / "missing.html").is_file()
    assert await session.get("/") == (200, "")
