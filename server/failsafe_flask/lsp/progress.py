"""Work-done progress while an app is starting or restarting, per app.

A busy status begins a progress (window/workDoneProgress/create, then begin); the next
status that is not busy ends it. The steps run in order on the event loop: an end must
never overtake its create/begin, whose create is a request the client may be slow to
answer (or refuse).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from typing import Callable, Optional

from lsprotocol import types as lsp
from pygls.progress import Progress

from ..supervisor.events import Status
from .status import BUSY_STATES, status_text

logger = logging.getLogger("failsafe_flask.lsp")


class StatusProgress:
    def __init__(self, progress: Progress, supported: Callable[[], bool]) -> None:
        self._progress = progress
        self._supported = supported  # the client's window.workDoneProgress capability
        self._tokens: dict[str, str] = {}  # app -> its open progress token
        self._last: Optional[asyncio.Future[None]] = None

    def update(self, app: str, status: Status) -> None:
        if not self._supported():
            return
        busy = status.state in BUSY_STATES
        if busy and app not in self._tokens:
            token = self._tokens[app] = f"failsafe-flask-{uuid.uuid4()}"
            self._chain(self._begin(token, status.message))
        elif not busy and app in self._tokens:
            self._chain(self._end(self._tokens.pop(app), status_text(status)))

    def _chain(self, step: Awaitable[None]) -> None:
        previous = self._last

        async def run() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await step

        self._last = asyncio.ensure_future(run())

    async def _begin(self, token: str, message: str) -> None:
        try:
            await self._progress.create_async(token)
        except Exception as exc:  # the client refused: no progress, nothing else lost
            logger.info("workDoneProgress/create refused: %s", exc)
            return
        begin = lsp.WorkDoneProgressBegin(title="Failsafe Flask", message=message)
        self._progress.begin(token, begin)

    async def _end(self, token: str, message: str) -> None:
        if token in self._progress.tokens:
            self._progress.end(token, lsp.WorkDoneProgressEnd(message=message))
