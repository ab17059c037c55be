"""Run a real Supervisor in the test's event loop and wait on what it reports."""

from __future__ import annotations

import asyncio
import textwrap
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from failsafe_flask.config import AppConfig
from failsafe_flask.supervisor import headstart
from failsafe_flask.supervisor.core import Supervisor
from failsafe_flask.supervisor.events import (
    AppLoadError,
    AppReady,
    State,
    StatusChanged,
    SupervisorEvent,
)
from system import DEADLINE, free_port


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def get(url: str, timeout: float = DEADLINE) -> Response:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return Response(reply.status, reply.read().decode(), dict(reply.headers))
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode(), dict(error.headers))


async def aget(url: str) -> Response:
    return await asyncio.to_thread(get, url)


class Harness:
    def __init__(self, root: Path, *, head_start: bool = False, **options: object) -> None:
        """``head_start``: the first app process started as ``failsafe-flask run`` does."""
        self.root = root
        self.port = free_port()
        self.config = AppConfig(project_root=root, port=self.port, **options)  # type: ignore[arg-type]
        self.events: list[SupervisorEvent] = []
        self._changed = asyncio.Condition()
        self.head = headstart.head_start(self.config) if head_start else None
        self.supervisor = Supervisor(self.config, self._on_event, self.head)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _on_event(self, event: SupervisorEvent) -> None:
        self.events.append(event)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def mark(self) -> int:
        return len(self.events)

    async def wait(
        self,
        predicate: Callable[[SupervisorEvent], bool],
        after: int = 0,
        timeout: float = DEADLINE,
    ) -> SupervisorEvent:
        async def find() -> SupervisorEvent:
            async with self._changed:
                while True:
                    for event in self.events[after:]:
                        if predicate(event):
                            return event
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(find(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(
                f"no such event within {timeout}s; saw {self.events[after:]}"
            ) from None

    async def ready(self, after: int = 0) -> AppReady:
        event = await self.wait(lambda e: isinstance(e, (AppReady, AppLoadError)), after)
        assert isinstance(event, AppReady), f"expected the app to load, got {event}"
        return event

    async def load_error(self, after: int = 0) -> AppLoadError:
        event = await self.wait(lambda e: isinstance(e, (AppReady, AppLoadError)), after)
        assert isinstance(event, AppLoadError), f"expected a load error, got {event}"
        return event

    async def state(self, state: State, after: int = 0) -> StatusChanged:
        event = await self.wait(
            lambda e: isinstance(e, StatusChanged) and e.status.state == state, after
        )
        assert isinstance(event, StatusChanged)
        return event

    async def save(self, files: dict[str, str], *, via_editor: bool = True) -> int:
        """Write files; tell the supervisor as an editor would, or leave it to the watcher."""
        mark = self.mark()
        write(self.root, files)
        if via_editor:
            for name in files:
                self.supervisor.file_changed(str(self.root / name))
        return mark
