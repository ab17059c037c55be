"""The large-project benchmark: what a save costs when the project's own imports are big.

    .venv/bin/python bench/large.py [--runs N] [--peers ours,flask,...] [--json FILE] [--keep]

Generates the project of large_project.py (about 300 modules; Flask-SQLAlchemy,
Flask-WTF, marshmallow, installed from bench/requirements-large.txt into this interpreter
when missing), then runs each peer through large_run.py, interleaved, and prints a
Markdown table: medians, and each median against flask run --debug's.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import procs
import report
from large_peers import LargePeer, available
from large_project import LargeProject
from large_run import LargeRun

REQUIREMENTS = Path(__file__).with_name("requirements-large.txt")
NEEDED = ("flask_sqlalchemy", "flask_wtf", "wtforms", "marshmallow")
ROWS = (  # (result key, title, unit, scale)
    ("cold_start_s", "cold start -> first 200", "ms", 1e3),
    ("leaf_s", "leaf view saved -> served", "ms", 1e3),
    ("shared_s", "models module many import saved -> served", "ms", 1e3),
    ("factory_s", "factory module saved -> served", "ms", 1e3),
    (
        "churn_restart_start_s",
        "view saved, ignored folder written 100/s -> restart starts",
        "ms",
        1e3,
    ),
    ("churn_served_s", "the same save -> served", "ms", 1e3),
    ("serving_pss_mib", "PSS of the tree, serving", "MiB", 1.0),
    ("serving_rss_mib", "RSS of the tree, serving", "MiB", 1.0),
    ("peak_pss_mib", "peak PSS of the tree", "MiB", 1.0),
    ("peak_rss_mib", "peak RSS of the tree", "MiB", 1.0),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per peer (default 5)")
    parser.add_argument("--peers", help="comma-separated keys (default: all available)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw numbers here")
    parser.add_argument("--keep", action="store_true", help="keep the project and logs")
    return parser


def ensure_requirements() -> None:
    """The project's third-party packages, installed into this environment if missing."""
    if all(importlib.util.find_spec(name) for name in NEEDED):
        return
    print(f"bench: installing {REQUIREMENTS.name}", file=sys.stderr, flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True
    )


def cold_import_seconds(root: Path) -> float:
    """How long `import app` takes in a new interpreter: the project's size in time."""
    code = "import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def _measure(args: argparse.Namespace, work: Path) -> dict[str, list[dict[str, Any]]]:
    peers = _peers(args.peers)
    project = LargeProject(work / "project")
    project.create()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(project.root)], check=False)
    cold_import_seconds(project.root)  # warm the disk cache once
    results: dict[str, list[dict[str, Any]]] = {p.key: [] for p in peers}
    modules = sum(1 for _ in project.root.rglob("*.py"))
    results["import"] = [{"cold_import_s": cold_import_seconds(project.root), "modules": modules}]
    logs = work / "logs"
    logs.mkdir()
    for n in range(args.runs):
        for peer in peers:
            begin = time.monotonic()
            results[peer.key].append(LargeRun(peer, project, logs, f"run{n}").execute())
            took = time.monotonic() - begin
            print(f"run {n + 1}/{args.runs} {peer.label}: {took:.1f} s", file=sys.stderr)
    return results


def _peers(wanted: Optional[str]) -> list[LargePeer]:
    peers = available()
    return [p for p in peers if wanted is None or p.key in wanted.split(",")]


def _median(runs: list[dict[str, Any]], key: str, scale: float) -> Optional[float]:
    values = [run[key] * scale for run in runs if run.get(key) is not None]
    return statistics.median(values) if values else None


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    peers = [p for p in available() if p.key in results]
    lines = [
        "| metric | " + " | ".join(p.label for p in peers) + " |",
        "|---|" + "---:|" * len(peers),
    ]
    for key, title, unit, scale in ROWS:
        flask = _median(results.get("flask", []), key, scale)
        cells = []
        for peer in peers:
            value = _median(results[peer.key], key, scale)
            ratio = f" ({value / flask:.2g}x)" if value and flask and peer.key != "flask" else ""
            cells.append(report._fmt(value) + ratio)
        lines.append(f"| {title} ({unit}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # so every `finally` runs and the peers are killed


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    ensure_requirements()
    work = Path(tempfile.mkdtemp(prefix="failsafe-bench-large-"))
    print(f"bench: project and logs in {work}", file=sys.stderr)
    try:
        results = _measure(args, work)
    except KeyboardInterrupt:
        print("bench: interrupted, peers stopped", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
        if not args.keep:
            LargeProject(work / "project").remove()
    cold = results["import"][0]["cold_import_s"]
    print(f"Machine: {report.machine()}")
    print(f"Command: `.venv/bin/python bench/large.py {' '.join(argv)}` ({args.runs} runs)")
    size = results["import"][0]
    print(f"Project: {size['modules']} modules; cold `import app` {cold * 1e3:.0f} ms\n")
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
