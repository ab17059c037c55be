"""Small hostile inputs from issue 12: each gives one clear answer, at once."""

from __future__ import annotations

import os
import re
import signal
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException, JsonRpcInternalError

from failsafe_flask.supervisor import summary
from failsafe_flask.supervisor.events import AppExited, AppOutput, AppReady
from failsafe_flask.supervisor.lines import LINE_LIMIT
from integration.cli_harness import Terminal
from integration.supervisor_harness import Harness, free_port, write
from lsp.conftest import SessionFactory
from system import port_is_free, wait_until

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


async def test_an_output_line_over_the_limit_keeps_its_beginning_and_says_what_was_cut(
    start_app: Callable[..., Any],
) -> None:
    huge = "BEGIN" + "x" * (LINE_LIMIT + 1_000_000) + "END"
    printer = f"import sys\nsys.stdout.write('BEGIN' + 'x' * {LINE_LIMIT + 1_000_000} + 'END\\n')\n"
    printer += "print('after', flush=True)\n"
    app: Harness = await start_app({"app.py": printer + APP.replace("\n    ", "\n")})
    await app.wait(lambda e: isinstance(e, AppOutput) and e.line == "after")
    lines = [e.line for e in app.events if isinstance(e, AppOutput) and e.stream == "stdout"]
    assert len(lines) == 2, [line[:80] for line in lines]  # no tail passed off as a line
    shown, note = lines[0].split("… [line cut: ")
    assert shown.startswith("BEGIN") and huge.startswith(shown) and len(shown) <= 2 * LINE_LIMIT
    cut = re.fullmatch(r"(\d+) more bytes not shown\]", note)
    assert cut is not None and len(shown) + int(cut.group(1)) == len(huge)


async def test_an_app_whose_server_cannot_be_built_is_never_said_to_run(
    start_app: Callable[..., Any],
) -> None:
    # The app closes the socket the server is built on: building the server fails.
    closer = "import os\nos.close(int(os.environ['WERKZEUG_SERVER_FD']))\n"
    app: Harness = await start_app({"app.py": closer + APP.replace("\n    ", "\n")})
    exited = await app.wait(lambda e: isinstance(e, AppExited))
    assert isinstance(exited, AppExited) and "Bad file descriptor" in exited.message
    assert not [e for e in app.events if isinstance(e, AppReady)]


def _running_in(folder: Path) -> list[int]:
    """Processes whose working folder is ``folder``: the app's and the preloader."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{entry}/cwd") == str(folder):
                found.append(int(entry))
        except OSError:
            continue
    return found


# Not "at once": a signal while the interpreter itself starts (site) is Python's to print.
@pytest.mark.parametrize("moment", [" * Starting", "Running: serving on"])
def test_ctrl_c_at_any_moment_of_the_start_exits_quietly_and_leaves_nothing(
    tmp_path: Path, moment: str
) -> None:
    write(tmp_path, {"app.py": APP})
    port = free_port()
    term = Terminal(tmp_path, "--port", str(port))
    try:
        term.expect(moment)  # " * Starting": the preloader is being built meanwhile
        os.killpg(term.proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl+C
        code = term.wait()
    finally:
        term.kill_group()
    assert "Traceback" not in term.output() and "KeyboardInterrupt" not in term.output()
    # 130 when Python was still importing; 0 once the stop could be done in order.
    assert code in (0, 130, -signal.SIGINT), term.output()
    wait_until(lambda: not _running_in(tmp_path), "no app process nor preloader left")
    assert port_is_free(port)


@pytest.mark.parametrize("where", ["app.py", "helpers.py"])
async def test_a_nul_byte_is_reported_at_its_own_line(
    start_app: Callable[..., Any], tmp_path: Path, where: str
) -> None:
    nul = b'x = 1\ny = 2\nz = "a\x00b"\n'
    app_py = b"import helpers\n" + APP.replace("\n    ", "\n").encode()
    (tmp_path / "app.py").write_bytes(nul if where == "app.py" else app_py)
    (tmp_path / "helpers.py").write_bytes(nul if where == "helpers.py" else b"V = 1\n")
    app: Harness = await start_app({})
    error = (await app.load_error()).error
    assert "null bytes" in error["message"]
    syntax = error["syntax"]
    assert syntax is not None and syntax["file"] == str(tmp_path / where)
    assert (syntax["line"], syntax["col"], syntax["end_col"]) == (3, 6, 7)
    assert summary.location(error) == (str(tmp_path / where), 3)


# Each setting, and a fragment of the one sentence it gets (the env's are the
# supervisor's, which checks what a process can be given).
NUL_SETTINGS: list[tuple[dict[str, Any], str]] = [
    ({"app": "app\0.py"}, "failsafeFlask.app must not contain a NUL character"),
    ({"host": "127.0.0.1\0"}, "failsafeFlask.host must be a host name or address, got"),
    ({"python": "/usr/bin/python3\0"}, "failsafeFlask.python must not contain a NUL character"),
    ({"envFile": ".env\0x"}, "failsafeFlask.envFile must not contain a NUL character"),
    ({"extraWatch": ["*.html\0"]}, "failsafeFlask.extraWatch must not contain a NUL character"),
    ({"env": {"A": "1\0"}}, "The env setting A holds a NUL character"),
    ({"env": {"A=B": "1"}}, "The env setting has an invalid variable name 'A=B'"),
    ({"env": {"A\0": "1"}}, "The env setting has an invalid variable name 'A\\x00'"),
]


@pytest.mark.parametrize(("settings", "said"), NUL_SETTINGS, ids=lambda v: repr(v)[:40])
async def test_settings_with_a_nul_or_an_env_name_with_equals_get_one_sentence(
    lsp_session: SessionFactory, settings: dict[str, Any], said: str
) -> None:
    session = await lsp_session(settings=settings, files={"app.py": textwrap.dedent(APP)})
    with pytest.raises(JsonRpcException) as raised:
        await session.command("failsafe-flask.start")
    assert said in raised.value.message and "\n" not in raised.value.message
    assert raised.value.code != JsonRpcInternalError.CODE  # not -32603 with a traceback
    logged = [m.message for m in [*session.client.log_messages, *session.client.messages]]
    assert not [m for m in logged if "Traceback" in m or "\0" in m], logged
    # The server is alive and answers; nothing was started.
    assert (await session.command("failsafe-flask.status"))["state"] == "stopped"
