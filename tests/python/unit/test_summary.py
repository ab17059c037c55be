"""One-line summaries and printed tracebacks from real exceptions."""

from __future__ import annotations

import pytest

from failsafe_flask.appspec import missing_app_message
from failsafe_flask.protocol import ExceptionInfo, Frame
from failsafe_flask.supervisor.summary import describe_location, format_error, headline, location


def frame(file: str, line: int, project: bool, text: str = "x = 1") -> Frame:
    return {
        "file": file, "line": line, "end_line": line, "col": 0, "end_col": 1,
        "function": "f", "text": text, "project": project,
    }  # fmt: skip


def error(frames: list[Frame], **more: object) -> ExceptionInfo:
    info: dict[str, object] = {
        "type": "NameError", "message": "name 'x' is not defined", "frames": frames,
        "syntax": None, "paths": [], "cause": None, "context": None,
    }  # fmt: skip
    info.update(more)
    return info  # type: ignore[return-value]


def test_location_is_the_deepest_project_frame() -> None:
    info = error(
        [frame("/p/app.py", 3, True), frame("/p/m.py", 9, True), frame("/lib/f.py", 1, False)]
    )
    assert location(info) == ("/p/m.py", 9)
    assert describe_location(location(info), "/p") == "m.py:9"


def test_location_falls_back_to_the_chain_then_the_entry() -> None:
    inner = error([frame("/p/cfg.py", 4, True)])
    outer = error([frame("/lib/f.py", 1, False)], cause=inner)
    assert location(outer) == ("/p/cfg.py", 4)
    assert location(error([]), entry="/p/app.py") == ("/p/app.py", 1)
    assert location(error([])) is None


def test_syntax_errors_point_at_their_own_spot() -> None:
    syntax = {
        "file": "/p/v.py",
        "line": 2,
        "col": 4,
        "end_line": 2,
        "end_col": 5,
        "text": "x = (\n",
    }
    info = error(
        [frame("/p/app.py", 1, True)],
        type="SyntaxError",
        message="'(' was never closed",
        syntax=syntax,
    )
    assert location(info) == ("/p/v.py", 2)
    lines = format_error(info)
    assert lines[-4:] == [
        '  File "/p/v.py", line 2',
        "    x = (",
        "        ^",
        "SyntaxError: '(' was never closed",
    ]


def test_format_error_prints_causes_first() -> None:
    inner = error([frame("/p/a.py", 1, True)], type="KeyError", message="'k'")
    outer = error([frame("/p/b.py", 2, True)], type="RuntimeError", message="bad", cause=inner)
    text = "\n".join(format_error(outer))
    assert (
        text.index("KeyError: 'k'") < text.index("direct cause") < text.index("RuntimeError: bad")
    )


def test_headline_is_one_bounded_line() -> None:
    assert headline(error([], message="a\nb")) == "NameError: a"
    assert len(headline(error([], message="x" * 5000))) == 300


@pytest.mark.parametrize("present", ["app.py", "wsgi.py"])
def test_discovery_files_mean_something_may_run(tmp_path, present: str) -> None:
    (tmp_path / present).write_text("")
    assert missing_app_message(str(tmp_path), None, {}) is None


def test_nothing_to_run_says_what_was_tried(tmp_path) -> None:
    message = missing_app_message(str(tmp_path), None, {})
    assert message is not None
    assert "FLASK_APP" in message and "wsgi.py" in message and "app.py" in message
    assert missing_app_message(str(tmp_path), "hello", {}) is None
    assert missing_app_message(str(tmp_path), None, {"FLASK_APP": "hello"}) is None
