"""The editor runs, all started at once (each on its own port and project), so the whole
set takes about as long as the slowest editor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from editor_run import EditorRun
from editor_specs import EDITORS


def _selected(session: pytest.Session) -> list[str]:
    names = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("editor") in EDITORS:
            names.append(callspec.params["editor"])
    return sorted(set(names))


@pytest.fixture(scope="session")
def editor_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, EditorRun]]:
    runs: dict[str, EditorRun] = {}
    try:
        for name in _selected(request.session):
            runs[name] = EditorRun(EDITORS[name], tmp_path_factory.mktemp(name))
        yield runs
    finally:
        for run in runs.values():
            run.kill()
