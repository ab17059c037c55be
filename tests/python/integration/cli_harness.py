"""Run ``failsafe-flask run`` as a user does, in its own process group, and read its lines."""

from __future__ import annotations

import contextlib
import io
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

DEADLINE = 30.0


class Terminal:
    def __init__(
        self,
        root: Path,
        *args: str,
        python: str = sys.executable,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
    ) -> None:
        """``python`` runs failsafe-flask (not the app: that is ``--python``); ``command``
        replaces ``failsafe-flask run`` (``["flask", "failsafe"]``)."""
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.proc = subprocess.Popen(
            [*(command or [python, "-m", "failsafe_flask", "run"]), *args],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Lines end at LF only and nothing is translated: a CR it prints stays visible.
        assert self.proc.stdout is not None
        self._stdout = io.TextIOWrapper(self.proc.stdout, "utf-8", "replace", newline="\n")
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self._stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def expect(self, fragment: str, timeout: float = DEADLINE) -> str:
        """The next line containing fragment; AssertionError with all output if none comes."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"no {fragment!r} within {timeout}s:\n" + self.output()
                ) from None
            if line is None:
                raise AssertionError(f"exited before {fragment!r}:\n" + self.output())
            self.lines.append(line)
            if fragment in line:
                return line

    def output(self) -> str:
        return "\n".join(self.lines)

    def count(self, fragment: str) -> int:
        return sum(fragment in line for line in self.lines)

    def wait(self, timeout: float = DEADLINE) -> int:
        code = self.proc.wait(timeout)
        while (line := self._queue.get(timeout=timeout)) is not None:
            self.lines.append(line)
        return code

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(DEADLINE)


# terminals(root, *args) -> a started Terminal: the `terminals` fixture (conftest.py).
Terminals = Callable[..., Terminal]
