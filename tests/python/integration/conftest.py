from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from integration.supervisor_harness import Harness, write


@pytest.fixture
async def start_app(tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    """start_app(files, **config) -> a started Harness; stopped at the end, pass or fail."""
    harnesses: list[Harness] = []

    async def start(files: dict[str, str], **options: object) -> Harness:
        write(tmp_path, files)
        harness = Harness(tmp_path, **options)
        harnesses.append(harness)
        await harness.supervisor.start()
        return harness

    yield start
    for harness in harnesses:
        await harness.supervisor.stop()
