"""child/frames.py: the frames a user is shown, from real tracebacks through code that
lives (by its file name) in the failsafe_flask package, and through Flask's loader."""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Callable

import pytest

from failsafe_flask.child import frames
from failsafe_flask.child.exceptions import describe

OURS = os.path.join(frames.OWN_DIR, "child", "runner.py")


def _ours(source: str) -> dict[str, Callable[..., object]]:
    """Functions compiled as if they were in failsafe_flask: their frames carry its path."""
    scope: dict[str, Callable[..., object]] = {}
    exec(compile(source, OURS, "exec"), scope)
    return scope


def _caught(call: Callable[[], object]) -> BaseException:
    with pytest.raises(BaseException) as caught:
        call()
    return caught.value


def test_our_frames_are_gone_from_the_text_and_the_description(project: Path) -> None:
    (project / "views.py").write_text("def index():\n    return {}['total']\n")
    from views import index  # type: ignore[import-not-found]

    run = _ours("def run(view):\n    return view()\n")["run"]

    def wrapped() -> None:
        try:
            run(index)
        except KeyError as exc:
            raise RuntimeError("the view failed") from exc

    exc = _caught(wrapped)
    text = frames.traceback_text(exc)
    assert OURS not in text and frames.OWN_DIR not in text
    assert f'File "{project / "views.py"}", line 2, in index' in text
    assert "The above exception was the direct cause" in text  # chains kept, trimmed too
    info = describe(exc, str(project))
    cause = info["cause"]
    assert cause is not None
    assert [f["function"] for f in cause["frames"]] == ["wrapped", "index"]


LOAD = (
    "from failsafe_flask.child.loader import load_app\ndef load(spec):\n    return load_app(spec)\n"
)


def _loaded(project: Path, source: str, monkeypatch: pytest.MonkeyPatch) -> BaseException:
    """What loading ``source`` as app.py raises, its traceback starting in our code as
    in the app process (which catches it in child/main.py)."""
    (project / "app.py").write_text(source)
    monkeypatch.chdir(project)
    exc = _caught(lambda: _ours(LOAD)["load"]("app.py"))
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != OURS:
        tb = tb.tb_next
    return exc.with_traceback(tb)


def test_the_loader_frames_above_the_users_code_are_gone(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = "from flask import Flask\napp = Flask(__name__)\n1 / 0\n"
    exc = _loaded(project, source, monkeypatch)
    summaries = list(traceback.extract_tb(exc.__traceback__))
    assert any(s.filename.endswith("/flask/cli.py") for s in summaries)
    assert [s.filename for s in frames.visible(summaries)] == [str(project / "app.py")]
    text = frames.traceback_text(exc)
    assert text.startswith(f'Traceback (most recent call last):\n  File "{project / "app.py"}"')
    assert [f["line"] for f in describe(exc, str(project))["frames"]] == [3]


def test_a_syntax_error_at_import_keeps_no_frame(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exc = _loaded(project, "def broken(:\n    pass\n", monkeypatch)
    text = frames.traceback_text(exc)
    assert "Traceback" not in text and "flask" not in text
    assert text.startswith(f'  File "{project / "app.py"}", line 1\n')
    assert describe(exc, str(project))["frames"] == []
