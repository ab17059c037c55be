"""The language server finds the app, its port and debug mode as `flask run` would:
settings the user did not set (null, as the extension sends them) fall back to FLASK_*."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcException

from integration.flask_projects import DOTENV, JS_EXAMPLE, MICROBLOG, with_port

from .conftest import SessionFactory, free_port

NOT_SET = {"app": None, "host": None, "port": None, "debug": None}


@pytest.mark.parametrize(
    ("files", "who"),
    [(JS_EXAMPLE, "js_example"), (MICROBLOG, "microblog.py"), (DOTENV, "hello.py")],
    ids=["package-in-flaskenv", "module-beside-app-package", "dotenv"],
)
async def test_unset_settings_fall_back_to_flask_variables(
    lsp_session: SessionFactory, files: dict[str, str], who: str
) -> None:
    port = free_port()
    session = await lsp_session(settings=NOT_SET, files=with_port(files, port))
    mark = session.mark()
    await session.command("failsafe-flask.start")
    status = await session.state("running", after=mark)
    assert status["url"] == f"http://127.0.0.1:{port}/"
    assert await session.get("/who", port=port) == (200, who)


async def test_a_setting_the_user_set_wins_over_flaskenv(lsp_session: SessionFactory) -> None:
    session = await lsp_session(
        settings={"app": "app:create_app()"}, files=with_port(MICROBLOG, free_port())
    )
    mark = session.mark()
    await session.command("failsafe-flask.start")
    status = await session.state("running", after=mark)
    assert status["url"] == f"http://127.0.0.1:{session.port}/"
    assert await session.get("/who") == (200, "the app package")


async def test_a_bad_flask_run_port_is_one_sentence_naming_it(
    lsp_session: SessionFactory,
) -> None:
    files = {**MICROBLOG, ".flaskenv": "FLASK_APP=microblog.py\nFLASK_RUN_PORT=abc\n"}
    session = await lsp_session(settings=NOT_SET, files=files)
    with pytest.raises(JsonRpcException, match="FLASK_RUN_PORT must be a whole number"):
        await session.command("failsafe-flask.start")
