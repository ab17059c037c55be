"""Where Failsafe Flask runs: POSIX systems (Linux, macOS), said in one sentence elsewhere.

Every app process inherits the listening socket through ``subprocess``'s ``pass_fds``
and forks from a preloader; Windows has neither, so starting there would fail deep in a
launch with an obscure error.
"""

from __future__ import annotations

import os
from typing import Optional

UNSUPPORTED = (
    "Failsafe Flask runs on Linux and macOS only (WSL works): on Windows an app process "
    "cannot inherit the listening socket (subprocess has no pass_fds there)."
)


def platform_problem(os_name: str = os.name) -> Optional[str]:
    """None where Failsafe Flask can run, else the sentence that says why not."""
    return None if os_name == "posix" else UNSUPPORTED
