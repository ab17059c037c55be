"""Bad input gives a clear, bounded error and crashes nothing; the next save recovers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from failsafe_flask import diagnostics
from failsafe_flask.child.events import MAX_EVENT_BYTES
from failsafe_flask.supervisor.events import State
from failsafe_flask.supervisor.summary import format_error
from integration.supervisor_harness import Harness, aget
from lsp.conftest import Session, SessionFactory
from system import until

GOOD = (
    "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/')\ndef i():\n    return 'ok'\n"
)
HUGE = "\x1b[31mred\x1b[0m \x00 " + "x" * 1_000_000

CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    # id, files, config, error type, fragment of the message
    (
        "non-UTF-8 source",
        {"app.py": b'x = "\xe9t\xe9"\n'},
        {},
        "SyntaxError",
        "can't decode byte 0xe9",
    ),
    ("binary .py", {"app.py": bytes(range(256)) * 8}, {}, "SyntaxError", "null bytes"),
    (
        "10,000-frame RecursionError",
        {
            "app.py": "import sys\nsys.setrecursionlimit(10_050)\ndef f(n):\n    return f(n + 1)\n"
            "f(0)\n"
        },
        {},
        "RecursionError",
        "maximum recursion depth",
    ),
    (
        "__str__ raises",
        {
            "app.py": "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError\n"
            "raise Odd()\n"
        },
        {},
        "app.Odd",
        "<exception str() failed: RuntimeError>",
    ),
    (
        "1 MB, ANSI, NUL message",
        {"app.py": f"raise ValueError({HUGE!r})\n"},
        {},
        "ValueError",
        "… (truncated)",
    ),
    ("missing app", {"notes.txt": "no app here\n"}, {}, "flask.cli.NoAppException", "Tried:"),
    (
        "--app not valid syntax",
        {"app.py": GOOD},
        {"app": "app:create_app(("},
        "flask.cli.NoAppException",
        "Failed to parse",
    ),
    (
        "envFile is a folder",
        {"app.py": GOOD, "dev.env/x": ""},
        {"env_file": "dev.env"},
        "IsADirectoryError",
        "dev.env",
    ),
    (
        "envFile not UTF-8",
        {"app.py": GOOD, "dev.env": b"A=\xff\xfe\n"},
        {"env_file": "dev.env"},
        "OSError",
        "not UTF-8 text",
    ),
]


def _write(root: Path, files: dict[str, Any]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _bounded(error: Any, entry: str) -> list[lsp.Diagnostic]:
    """The error fits one event; its diagnostics fit on a screen and say what was cut."""
    assert len(json.dumps(error, ensure_ascii=False).encode()) <= MAX_EVENT_BYTES
    assert "\n".join(format_error(error))  # the terminal can print it
    found = diagnostics.load_error_diagnostics(error, entry)
    shown = [d for items in found.values() for d in items]
    assert len(shown) <= diagnostics.SECONDARY_CAP + 2
    for item in shown:
        assert len(item.message) <= diagnostics.MESSAGE_CAP + 200
        assert len(item.related_information or []) <= diagnostics.RELATED_CAP
    return shown


@pytest.mark.parametrize(
    ("files", "config", "kind", "said"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_input_is_a_clear_load_error_and_a_save_recovers(
    start_app: Callable[..., Any],
    tmp_path: Path,
    files: dict[str, Any],
    config: dict[str, Any],
    kind: str,
    said: str,
) -> None:
    root = tmp_path / "my projé ct"  # a space and a non-ASCII letter in every path
    root.mkdir()
    _write(root, files)
    app: Harness = await start_app({}, root=root, **config)
    error = await app.load_error()
    assert error.error["type"] == kind, error.error
    assert said in error.error["message"]
    shown = _bounded(error.error, error.entry)
    assert app.supervisor.status.state == State.FAILED
    assert (await aget(app.url)).status == 500  # the error page answers, nothing crashed
    if "env_file" in config:
        assert str(root / "dev.env") in error.error["paths"]
        mark = app.mark()
        path = root / "dev.env"
        if path.is_dir():
            (path / "x").unlink()
            path.rmdir()
        path.write_text("A=1\n")
    else:
        assert shown or not error.entry, "a diagnostic wherever there is a file to put it on"
        mark = await app.save({"app.py": GOOD})
        if config.get("app"):
            mark = app.mark()
            await app.supervisor.reconfigure(replace(app.supervisor.config, app=None))
    await app.ready(mark)
    assert (await aget(app.url)).body == "ok"


def test_a_recursion_error_keeps_head_and_tail_and_says_how_many_were_cut() -> None:
    # 100 distinct project lines (a line repeated by a recursion is listed once).
    frames = [
        {
            "file": "/p/app.py",
            "line": line,
            "end_line": line,
            "col": 11,
            "end_col": 19,
            "function": f"f{line}",
            "text": "    return f(n + 1)",
            "project": True,
        }
        for line in range(1, 101)
    ]
    error = {
        "type": "RecursionError",
        "message": "maximum recursion depth exceeded",
        "frames": frames,
        "syntax": None,
        "paths": [],
        "cause": None,
        "context": None,
    }
    found = diagnostics.load_error_diagnostics(error)["/p/app.py"]  # type: ignore[arg-type]
    [shown] = [d for d in found if d.severity == lsp.DiagnosticSeverity.Error]
    related = shown.related_information or []
    assert len(related) == diagnostics.RELATED_CAP
    # The error's own line is not repeated: 99 others, 49 shown, the rest counted.
    assert related[-1].message.startswith("... 50 more frames not shown")


async def _until_shown(session: Session, text: str, timeout: float = 15.0) -> None:
    """window/showMessage is not one of the harness's notifications: poll, with a deadline."""
    shown = lambda: any(text in m.message for m in session.client.messages)  # noqa: E731
    await until(shown, f"a message {text!r}", timeout)


def _errors(session: Session) -> list[lsp.Diagnostic]:
    return [d for ds in session.diagnostics.values() for d in ds if d.severity == 1]


WRONG: list[tuple[Any, Optional[str]]] = [
    ({"port": "5000"}, "failsafeFlask.port must be a whole number, got a string"),
    ({"debug": "yes"}, "failsafeFlask.debug must be true or false, got a string"),
    ({"env": ["A=1"]}, "failsafeFlask.env must be an object"),
    ({"extraWatch": "*.html"}, "failsafeFlask.extraWatch must be a list of strings"),
    ({"loadTimeout": "30"}, "failsafeFlask.loadTimeout must be a number of seconds, got a string"),
    ({"loadTimeout": -1}, "failsafeFlask.loadTimeout must be more than 0 seconds"),
    ({"app": 42}, "failsafeFlask.app must be a string, got a number"),
]


async def test_wrong_settings_are_named_then_a_huge_message_is_a_bounded_diagnostic(
    lsp_session: SessionFactory,
) -> None:
    session = await lsp_session(files={"app.py": GOOD})
    for settings, text in WRONG:
        session.client.set_configuration(settings, section="failsafeFlask")
        params = lsp.DidChangeConfigurationParams(settings={"failsafeFlask": settings})
        session.client.workspace_did_change_configuration(params)
        # Said as soon as the settings arrive, and again by a start that they stop.
        await _until_shown(session, text)
        with pytest.raises(JsonRpcException, match=re.escape(text)):
            await session.command("failsafe-flask.start")
    assert (await session.command("failsafe-flask.status"))["state"] == "stopped"
    session.write({"app.py": f"raise ValueError({HUGE!r})\n"})
    mark = session.mark()
    await session.command("failsafe-flask.start", {"app": "app"})  # over the wrong "app"
    await session.state("failed", after=mark)
    [error] = await session.until(lambda: _errors(session), "the ValueError")
    # Escaped (issue 12): no raw control character reaches the editor.
    assert error.message.startswith("ValueError: \\x1b[31mred\\x1b[0m \\x00 xxx")
    assert error.message.endswith(diagnostics.CUT)
    assert len(error.message) <= diagnostics.MESSAGE_CAP + 100
    mark = session.mark()
    session.save("app.py", GOOD)
    await session.state("running", after=mark)
    assert await session.get("/") == (200, "ok")
