"""What the supervisor imports: nothing it never uses (each module costs every
supervisor its memory for as long as it runs)."""

from __future__ import annotations

import subprocess
import sys

NEVER = ("importlib.metadata", "email", "zipfile", "flask", "werkzeug")


def test_the_terminal_supervisor_does_not_import_what_it_never_uses() -> None:
    code = (
        "import sys, failsafe_flask.cli, failsafe_flask.supervisor.core\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(out.stdout.split())
    assert "failsafe_flask.supervisor.core" in loaded
    assert [name for name in NEVER if name in loaded] == []
