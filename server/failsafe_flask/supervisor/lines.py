"""Lines from a child's pipes, however long, however they end."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

LINE_LIMIT = 4 * 1024 * 1024  # an event carries a whole traceback; the child caps it at 1 MB


async def read_lines(stream: asyncio.StreamReader, emit: Callable[[str], None]) -> None:
    while True:
        try:
            raw = await stream.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            raw = exc.partial  # the last line, without its newline (or nothing: EOF)
        except asyncio.LimitOverrunError as exc:
            # Longer than the limit: its beginning is shown, and how much was cut.
            head = await stream.readexactly(exc.consumed)
            cut = await _skip_line(stream)
            emit(_decode(head) + (f"… [line cut: {cut} more bytes not shown]" if cut else ""))
            continue
        if not raw:
            return
        emit(_decode(raw))


async def _skip_line(stream: asyncio.StreamReader) -> int:
    """Read up to the end of the line, keeping nothing; the number of bytes dropped."""
    dropped = 0
    while True:
        try:
            return dropped + len((await stream.readuntil(b"\n")).rstrip(b"\r\n"))
        except asyncio.IncompleteReadError as exc:
            return dropped + len(exc.partial)
        except asyncio.LimitOverrunError as exc:
            dropped += len(await stream.readexactly(exc.consumed))


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").rstrip("\r\n")


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
