"""Lines from a child's pipes, however long, however they end."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

LINE_LIMIT = 4 * 1024 * 1024  # an event carries a whole traceback; the child caps it at 1 MB


async def read_lines(stream: asyncio.StreamReader, emit: Callable[[str], None]) -> None:
    while True:
        try:
            raw = await stream.readline()
        except ValueError:  # a line longer than the limit: pass on what fits
            raw = await stream.read(LINE_LIMIT)
        if not raw:
            return
        emit(raw.decode("utf-8", "replace").rstrip("\r\n"))


async def read_fd_lines(fd: int, emit: Callable[[str], None]) -> None:
    """``read_lines`` from a pipe's read end, which it owns and closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    pipe = os.fdopen(fd, "rb", buffering=0)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        await read_lines(reader, emit)
    finally:
        transport.close()
