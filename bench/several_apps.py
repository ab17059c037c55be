"""What each app costs in one language server: idle CPU and memory with 1 and 3 apps.

    .venv/bin/python bench/several_apps.py [--apps 1 3] [--idle 5] [--json FILE]

Makes N copies of the benchmark project as N workspace folders of one ``failsafe-flask
lsp``, starts every app (each on its own port) with the start command, waits until each
one serves, then measures the server's whole process tree while nothing happens: CPU
over the idle period (% of one core) and RSS (MiB). Prints a Markdown table. The server
is shut down (which stops every app) at the end of each count, also on an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import procs
from lsprotocol import types as lsp
from project import Project
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

DEADLINE = 60.0  # seconds for every app to serve


async def _command(client: LanguageClient, name: str, *args: Any) -> Any:
    params = lsp.ExecuteCommandParams(command=name, arguments=list(args) or None)
    return await client.workspace_execute_command_async(params)


def _serves(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


async def _start_all(client: LanguageClient, names: list[str]) -> None:
    ports = {name: procs.free_port() for name in names}
    for name, port in ports.items():
        await _command(client, "failsafe-flask.start", {"appId": name, "port": port})
    deadline = time.monotonic() + DEADLINE
    while not all(await asyncio.gather(*(asyncio.to_thread(_serves, p) for p in ports.values()))):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not every app served within {DEADLINE:.0f} s")
        await asyncio.sleep(0.2)


def _idle(pid: int, seconds: float) -> tuple[float, float]:
    """(% of a core, MiB) of the process tree of ``pid`` over ``seconds`` of idling."""
    before = {p: procs.cpu_seconds([p]) for p in procs.tree(pid)}
    start = time.monotonic()
    time.sleep(seconds)
    after = {p: procs.cpu_seconds([p]) for p in procs.tree(pid)}
    used = sum(cpu - before.get(p, 0.0) for p, cpu in after.items())
    return 100.0 * used / (time.monotonic() - start), procs.rss_bytes(list(after)) / 2**20


async def measure(count: int, idle: float, base: Path) -> dict[str, float]:
    names = [f"app{i}" for i in range(count)]
    folders = []
    for name in names:
        root = base / name / "shop"  # a Project parks files beside itself: one parent each
        Project(root).create(extra_files=0)
        folders.append(lsp.WorkspaceFolder(from_fs_path(str(root)) or "", name))
    client = LanguageClient("bench", "1")
    await client.start_io(sys.executable, "-m", "failsafe_flask", "lsp")
    try:
        caps = lsp.ClientCapabilities()
        init = lsp.InitializeParams(capabilities=caps, workspace_folders=folders)
        await client.initialize_async(init)
        client.initialized(lsp.InitializedParams())
        await _start_all(client, names)
        time.sleep(1.0)  # the apps' own start-up work settles
        assert client._server is not None
        cpu, rss = await asyncio.to_thread(_idle, client._server.pid, idle)
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return {"apps": count, "idle_cpu_pct": cpu, "rss_mib": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--idle", type=float, default=5.0, help="idle seconds measured")
    parser.add_argument("--json", metavar="FILE", help="also write the raw numbers here")
    opts = parser.parse_args()
    logging.getLogger("pygls").setLevel(logging.ERROR)  # our notifications are not its business
    rows = []
    for count in opts.apps:
        with tempfile.TemporaryDirectory(prefix="failsafe-bench-apps-") as tmp:
            rows.append(asyncio.run(measure(count, opts.idle, Path(tmp))))
    print("| apps in one language server | idle CPU (% of a core) | RSS of the tree (MiB) |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row['apps']:.0f} | {row['idle_cpu_pct']:.1f} | {row['rss_mib']:.0f} |")
    if opts.json:
        Path(opts.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
