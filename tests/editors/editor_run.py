"""One editor run: the project, the config from the README, the editor as a subprocess
bounded by a timeout, and proof afterwards that nothing it started is left running.

Every process of a run carries a marker in its environment (the editor, the language
server, the supervisor, the preloader, the app), so /proc tells what is left of it even
after an orphan was re-parented.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Optional

from editor_project import Project, make_project
from editor_specs import REPO, Editor
from readme_blocks import config_block
from system import DEADLINE, free_port, listening_inodes, wait_until

RUN_TIMEOUT = 150.0  # the whole editor run; each step inside has DEADLINE
MARKER = "FF_EDITOR_RUN"
VERSION_TEXT = "Shop, version {}"


@dataclass
class Result:
    trace: list[dict[str, Any]]
    returncode: Optional[int]
    seconds: float
    output: str  # the editor's own output, for the failure message
    leftovers: list[str] = field(default_factory=list)
    cleanup_seconds: float = 0.0  # from the editor's exit to nothing of the run left

    def step(self, name: str) -> dict[str, Any]:
        found = [entry for entry in self.trace if entry["step"] == name]
        assert found, f"the editor never reached {name!r}:\n{self.explain()}"
        return found[-1]

    def explain(self) -> str:
        lines = [json.dumps(entry) for entry in self.trace]
        return "\n".join(["trace:", *lines, f"exit: {self.returncode}", "output:", self.output])


def marked_processes(marker: str) -> list[str]:
    """`pid command` of every live process whose environment carries this run's marker."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in environ.split(b"\0") and state != "Z":
            text = command.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{entry} {text}")
    return found


class EditorRun:
    def __init__(self, editor: Editor, folder: Path) -> None:
        self.editor = editor
        self.folder = folder
        self.project: Project = make_project(folder)
        self.port = free_port()
        self.marker = uuid.uuid4().hex
        self.trace_file = folder / "trace.jsonl"
        self.output_file = folder / "editor-output.txt"
        config = folder / editor.config_file
        config.write_text(editor.config_text(config_block(editor.block)))
        self.command = editor.command(config, self.project.edited)
        self.started = time.monotonic()
        self._output: IO[bytes] = self.output_file.open("wb")
        self.process = self._launch()

    def _environment(self) -> dict[str, str]:
        home = self.folder / "home"
        home.mkdir()
        env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
        env.update(
            {
                # The README's set-up: the server is `failsafe-flask` from .venv/bin.
                "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
                "HOME": str(home),
                "TMUX_TMPDIR": str(self.folder),
                MARKER: self.marker,
                "FF_PORT": str(self.port),
                "FF_TRACE": str(self.trace_file),
                "FF_FILE": str(self.project.edited),
                "FF_BROKEN": str(self.project.broken),
                "FF_FIXED": str(self.project.fixed),
                "FF_V1": VERSION_TEXT.format(1),
                "FF_V2": VERSION_TEXT.format(2),
                "FF_PYTHON": sys.executable,
                "FF_GET": str(Path(__file__).with_name("get.py")),
                "FF_DEADLINE": str(int(DEADLINE)),
            }
        )
        env.pop("TMUX", None)
        return env

    def _launch(self) -> subprocess.Popen[bytes]:
        command = self.command
        for program in [command[0], *(["tmux"] if self.editor.terminal else [])]:
            if shutil.which(program) is None:
                raise AssertionError(f"{program} is missing: run scripts/setup-editors.sh")
        if self.editor.terminal:
            # A private tmux server gives the editor a terminal; its control-mode client
            # needs none and ends when the editor does.
            command = ["tmux", "-L", "editor", "-f", "/dev/null", "-C", "new-session",
                       "-x", "120", "-y", "40", shlex.join(command)]  # fmt: skip
        return subprocess.Popen(
            command,
            cwd=self.project.root,
            env=self._environment(),
            stdin=subprocess.PIPE,  # kept open: closing it would detach the tmux client
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def finish(self) -> Result:
        """Wait for the editor to quit (or kill it at the timeout), then for everything it
        started to be gone and the port free."""
        returncode: Optional[int]
        try:
            returncode = self.process.wait(RUN_TIMEOUT - (time.monotonic() - self.started))
        except subprocess.TimeoutExpired:
            returncode = None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        seconds = time.monotonic() - self.started
        leftovers: list[str] = []
        try:
            wait_until(
                # A listener, not a bind test: the requests' TIME_WAIT would fail a bind.
                lambda: not marked_processes(self.marker) and not listening_inodes(self.port),
                "every process of the run gone and nothing listening on the port",
            )
        except AssertionError:
            leftovers = marked_processes(self.marker) or [f"port {self.port} still listening"]
        cleanup = time.monotonic() - self.started - seconds
        self.kill()
        output = self._read_output()
        return Result(self._trace(), returncode, seconds, output, leftovers, cleanup)

    def kill(self) -> None:
        """Whatever is still running (a failed run): gone, so no test leaves orphans."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        for line in marked_processes(self.marker):
            os.kill(int(line.split()[0]), signal.SIGKILL)
        self._output.close()

    def _trace(self) -> list[dict[str, Any]]:
        if not self.trace_file.exists():
            return []
        return [json.loads(line) for line in self.trace_file.read_text().splitlines()]

    def _read_output(self) -> str:
        text = self.output_file.read_text(errors="replace")
        return text[-6000:]
