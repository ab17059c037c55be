"""Windows is declared unsupported in one sentence, not left to fail in a launch."""

from __future__ import annotations

import os
import re
from pathlib import Path

from failsafe_flask.platforms import platform_problem

ROOT = Path(__file__).resolve().parents[3]


def test_posix_runs_and_windows_is_told_why_not() -> None:
    assert platform_problem("posix") is None
    message = platform_problem("nt")
    assert message is not None and "Linux and macOS only" in message
    assert platform_problem() is None if os.name == "posix" else message


def test_the_package_declares_posix_only() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on 3.10
    systems = re.findall(r'"(Operating System :: [^"]+)"', text)
    assert "Operating System :: POSIX" in systems
    assert not [c for c in systems if "Windows" in c or "OS Independent" in c]
