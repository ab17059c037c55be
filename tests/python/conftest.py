"""Fixtures for every Python test folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from integration.cli_harness import Terminal, Terminals
from integration.supervisor_harness import Harness, write

# The language server's session factory, for the folders that drive `failsafe-flask lsp`.
from lsp.conftest import lsp_session  # noqa: F401

StartApp = Callable[..., "object"]


@pytest.fixture
async def start_app(tmp_path: Path) -> AsyncIterator[StartApp]:
    """start_app(files, root=tmp_path, **config) -> a started Harness; stopped at the end,
    pass or fail."""
    harnesses: list[Harness] = []

    async def start(files: dict[str, str], root: Path = tmp_path, **options: object) -> Harness:
        root.mkdir(parents=True, exist_ok=True)
        write(root, files)
        harness = Harness(root, **options)
        harnesses.append(harness)
        await harness.supervisor.start()
        return harness

    yield start
    for harness in harnesses:
        await harness.supervisor.stop()


@pytest.fixture
def terminals() -> Iterator[Terminals]:
    """terminals(root, *args) -> a started ``failsafe-flask run``; its whole process group
    is killed at the end, pass or fail."""
    started: list[Terminal] = []

    def start(root: Path, *args: str) -> Terminal:
        started.append(Terminal(root, *args))
        return started[-1]

    yield start
    for terminal in started:
        terminal.kill_group()
