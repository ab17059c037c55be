"""Files written between an app process's start and the moment the native watcher is armed.

The watcher reports only what changes after it is armed. The first app process starts
before that (at once, and with ``failsafe-flask run`` even before the supervisor's own
imports), so a save in those ~100 ms came after the app read the file and before anything
watched it: the app served the old code until the next save. Once armed, the watcher
looks here for what it missed.

A file's mtime comes from the kernel's coarse clock, which lags the real time, so a file
written before ``since`` never looks newer than it; a write in the tick just after may
look older, but the app process has not read any file that soon after it started.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def written_since(root: str, since_ns: int, skip_folder: Callable[[str], bool]) -> list[str]:
    """Files below ``root`` modified after ``since_ns`` (``time.time_ns()``), not looking
    inside the folders ``skip_folder`` rejects (a virtualenv, ``node_modules``)."""
    found: list[str] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    _sort(entry, since_ns, skip_folder, folders, found)
        except OSError:  # gone or unreadable since: nothing of it to report
            continue
    return found


def _sort(
    entry: os.DirEntry[str],
    since_ns: int,
    skip_folder: Callable[[str], bool],
    folders: list[str],
    found: list[str],
) -> None:
    try:
        if entry.is_dir(follow_symlinks=False):
            if not skip_folder(entry.path):
                folders.append(entry.path)
        elif entry.is_file() and entry.stat().st_mtime_ns > since_ns:
            found.append(entry.path)
    except OSError:  # removed while looked at
        pass
