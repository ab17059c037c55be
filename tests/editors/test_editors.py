"""Each documented editor, with its config copied from README.md, does what a user does:
start the app with the documented command, save a SyntaxError, see it at its range in the
editor's own diagnostic list, save the fix, see it cleared and the new code served, stop
and restart with the documented commands, quit with the app running; then nothing of the
run is left and nothing listens on the port."""

from __future__ import annotations

import re

import pytest

from editor_project import expected_range
from editor_run import VERSION_TEXT, EditorRun
from editor_specs import EDITORS

pytestmark = pytest.mark.timeout(240)


@pytest.mark.parametrize("editor", sorted(EDITORS))
def test_the_readme_config_starts_shows_the_error_and_recovers(
    editor: str, editor_runs: dict[str, EditorRun]
) -> None:
    run = editor_runs[editor]
    result = run.finish()
    version = result.step("editor")["version"]
    print(f"{editor} {version}: {result.seconds:.1f} s, clean-up {result.cleanup_seconds:.1f} s")
    assert not [e for e in result.trace if e["step"] == "error"], result.explain()
    url = f"http://127.0.0.1:{run.port}"

    start = result.step("start")["echo"]
    assert re.match(rf"Failsafe Flask: (starting|running) {url}\b", start), result.explain()
    assert result.step("served")["body"].startswith("200 "), result.explain()
    status = result.step("status")
    assert status["echo"].startswith(f"Failsafe Flask: running {url}"), result.explain()
    assert status["state"] == "running", result.explain()

    diagnostics = result.step("broken")["diagnostics"]
    assert len(diagnostics) == 1, result.explain()
    seen = diagnostics[0]
    where = (seen["line"], seen["col"], seen["end_line"], seen["end_col"])
    assert where == expected_range(run.project), result.explain()
    assert "SyntaxError" in seen["message"], result.explain()
    failed = result.step("failed")["echo"]
    # The message is the server's; its wording may change, the error's name stays.
    expected = rf"Failsafe Flask: failed {url}/ \(pid \d+\) - .*SyntaxError"
    assert re.match(expected, failed), result.explain()

    body = result.step("fixed")["body"]
    assert body.startswith("200 ") and VERSION_TEXT.format(2) in body, result.explain()
    stop = result.step("stop")
    assert stop["echo"] == "Failsafe Flask: stopped", result.explain()
    assert stop["body"].startswith("0 "), result.explain()  # refused: the port is closed
    restart = result.step("restart")["echo"]
    assert re.match(rf"Failsafe Flask: (starting|running) {url}\b", restart), result.explain()
    assert result.step("served again")["body"].startswith("200 "), result.explain()
    result.step("quit")
    assert result.returncode == 0, result.explain()
    assert result.leftovers == [], result.explain()
