"""Wait for a path that disappeared (the project folder, the interpreter) to come back.

The path itself cannot be watched while it does not exist, so its closest existing
ancestor is, without recursion: each change there (a folder recreated on the way down)
is a reason to look again. A check every second as well closes the race between the
first look and the watch starting; it costs one ``stat``, never a walk of a tree.
"""

from __future__ import annotations

import asyncio
import os

RECHECK_MS = 1000


def closest_existing(path: str) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return folder


async def until_exists(path: str) -> bool:
    """Return True once ``path`` exists; False at once if watchfiles is not installed
    (then the next save is what brings the app back)."""
    try:
        import watchfiles
    except ImportError:
        return False
    while not os.path.exists(path):
        folder = closest_existing(path)
        async for _ in watchfiles.awatch(
            folder,
            recursive=False,
            rust_timeout=RECHECK_MS,
            yield_on_timeout=True,
            ignore_permission_denied=True,
        ):
            break
        # The batch may be over before the path is complete (a folder, then its files).
        await asyncio.sleep(0)
    return True
