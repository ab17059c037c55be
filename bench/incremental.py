"""Incremental restarts: save -> served on the large project (``large_project``), ours
with ``--preload on`` (incremental) against ``--preload packages`` (the preloader alone)
and ``flask run --debug``.

Saved, each ``--saves`` times, a pause between saves (a developer reads the page; the
layer of kept modules is built meanwhile): the first view the factory imports
(``big/views/v00.py``), the last one (``v59``), the models module every model imports
(``big/models/base.py``) and the factory (``big/__init__.py``). A kept module runs before
every module that is not kept, so a module imported early drops what comes after it when
they share a module (see ``failsafe_flask.supervisor.keep``): the first and the last view
show both ends.

    .venv/bin/python bench/incremental.py [--saves 5] [--pause 4] [--peers on,packages,flask]

Installs ``requirements-large.txt`` into this interpreter's environment when missing.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import large_project as large
import peers
import procs

HERE = Path(__file__).resolve().parent
LAST = f"{large.PACKAGE}/views/v{large.AREAS - 1:02d}.py"
_LAST_ROUTE = """

LAST_MARKER = "{marker}"


def last():
    return LAST_MARKER


bp.record_once(lambda state: state.app.add_url_rule("/last", "last", last))
"""
ROWS = (
    ("leaf view, imported first (v00)", large.LEAF, "/"),
    (f"leaf view, imported last (v{large.AREAS - 1:02d})", LAST, "/last"),
    ("models module every model imports (base)", large.SHARED, "/"),
    ("factory (big/__init__.py)", large.FACTORY, "/"),
)
PEERS = {
    "on": ("failsafe-flask run --preload on", ["--preload", "on"]),
    "packages": ("failsafe-flask run --preload packages", ["--preload", "packages"]),
    "flask": ("flask run --debug", None),
}
DEADLINE = 60.0


def _ensure_requirements() -> None:
    if all(importlib.util.find_spec(n) for n in ("flask_sqlalchemy", "flask_wtf", "marshmallow")):
        return
    requirements = HERE / "requirements-large.txt"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "-r", str(requirements)], check=True
    )


def _get(port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.read().decode("utf-8", "replace") if response.status == 200 else ""
    except (OSError, http.client.HTTPException):
        return ""
    finally:
        conn.close()


def _served(port: int, path: str, marker: str) -> Optional[float]:
    """Seconds until ``path`` serves ``marker``; None past the deadline."""
    start = time.monotonic()
    while time.monotonic() - start < DEADLINE:
        if marker in _get(port, path):
            return time.monotonic() - start
        time.sleep(0.003)
    return None


def _save(root: Path, name: str, old: str, new: str) -> None:
    """As an editor saves: a temp file renamed over the file."""
    path = root / name
    temp = path.with_name(path.name + ".tmp~")
    temp.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    temp.replace(path)


def _command(peer: str, port: int) -> list[str]:
    _, options = PEERS[peer]
    if options is None:
        return peers.PEERS[1].argv(port)  # flask run --debug
    return [*peers.PEERS[0].argv(port), *options]


def _measure_peer(peer: str, root: Path, saves: int, pause: float) -> dict[str, list[float]]:
    port = procs.free_port()
    proc = procs.start(_command(peer, port), root, peers.environment(port), root / f"{peer}.log")
    results: dict[str, list[float]] = {label: [] for label, _, _ in ROWS}
    try:
        if _served(port, "/", "leaf-0") is None:
            raise RuntimeError(f"{peer} never served; see {root / (peer + '.log')}")
        markers = {name: _first_marker(name) for _, name, _ in ROWS}
        for label, name, path in ROWS:
            for n in range(1, saves + 1):
                time.sleep(pause)
                new = f"{markers[name].rsplit('-', 1)[0]}-{peer}{n}"
                start = time.monotonic()
                _save(root, name, markers[name], new)
                markers[name] = new
                waited = _served(port, path, new)
                if waited is not None:
                    results[label].append((time.monotonic() - start) * 1000)
    finally:
        procs.stop(proc)
    return results


def _first_marker(name: str) -> str:
    return "last-0" if name == LAST else large.MARKERS[name]


def _create(root: Path) -> None:
    large.LargeProject(root).create()
    last = root / LAST
    last.write_text(last.read_text() + _LAST_ROUTE.format(marker="last-0"), encoding="utf-8")


def _report(results: dict[str, dict[str, list[float]]], saves: int) -> None:
    print(
        f"| save -> served (ms), median of {saves} | "
        + " | ".join(PEERS[p][0] for p in results)
        + " |"
    )
    print("|---|" + "---:|" * len(results))
    for label, _, _ in ROWS:
        cells = []
        for peer in results:
            times = results[peer][label]
            cells.append(f"{statistics.median(times):.0f}" if times else "missed")
        print(f"| {label} | " + " | ".join(cells) + " |")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument("--pause", type=float, default=4.0, help="seconds between saves")
    parser.add_argument("--peers", default="on,packages,flask")
    args = parser.parse_args(argv)
    _ensure_requirements()
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="failsafe-incremental-") as folder:
        for peer in args.peers.split(","):
            root = Path(folder) / peer
            _create(root)
            results[peer] = _measure_peer(peer, root, args.saves, args.pause)
            print(f"{peer}: {results[peer]}", file=sys.stderr)
    _report(results, args.saves)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        procs.stop_all()
