"""Reload latency and resource benchmark: failsafe-flask run against the usual peers.

    .venv/bin/python bench/run.py [--quick] [--runs N] [--json FILE]

Generates one small Flask project in a temp folder and runs, interleaved, each peer
(failsafe-flask run, flask run --debug, python app.py with debug=True, the watchfiles
CLI) through the same scenario (see scenario.py), then prints a Markdown table. Every
peer process tree is killed at the end, also on Ctrl+C, SIGTERM or an exception.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import procs
import report
from peers import BIN, PEERS
from project import Project
from scenario import Options, Run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke check: 2 runs, 1,000 extra files, 5 restarts, 3 crashes, 2 s idle",
    )
    parser.add_argument("--runs", type=int, help="runs per peer (default 5, --quick 2)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw numbers here")
    parser.add_argument(
        "--peers",
        help="comma-separated, from: "
        + ",".join(p.key for p in PEERS)
        + " (default: all but ours_spawn)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp project and logs")
    return parser


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # so every `finally` runs and the peers are killed


def _warm_up(root: Path) -> None:
    """Compile the project and touch Flask once, so the first peer measured pays no more
    for a cold disk cache or missing .pyc files than the others."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root)], check=False)
    subprocess.run([sys.executable, "-c", "import flask, werkzeug, watchfiles"], check=False)


def _options(args: argparse.Namespace) -> Options:
    if args.quick:
        return Options(restarts=5, idle_seconds=2.0, extra_files=1_000, crash_cycles=3)
    return Options()


def _measure(args: argparse.Namespace, work: Path) -> dict[str, list[dict[str, Any]]]:
    runs = args.runs or (2 if args.quick else 5)
    opts = _options(args)
    wanted = set(args.peers.split(",")) if args.peers else {p.key for p in PEERS if p.default}
    project = Project(work / "project")
    project.create(opts.extra_files)
    _warm_up(project.root)
    logs = work / "logs"
    logs.mkdir()
    results: dict[str, list[dict[str, Any]]] = {p.key: [] for p in PEERS if p.key in wanted}
    for n in range(runs):
        for peer in PEERS:
            if peer.key in wanted:
                begin = time.monotonic()
                results[peer.key].append(Run(peer, project, opts, logs, f"run{n}").execute())
                print(
                    f"run {n + 1}/{runs} {peer.label}: {time.monotonic() - begin:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return results


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    # a shell starts background jobs with SIGINT ignored, and Python then keeps it so
    signal.signal(signal.SIGINT, signal.default_int_handler)
    work = Path(tempfile.mkdtemp(prefix="failsafe-bench-"))
    print(f"bench: project and logs in {work}; peers from {BIN}", file=sys.stderr)
    try:
        results = _measure(args, work)
    except KeyboardInterrupt:
        print("bench: interrupted, peers stopped", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
        if not args.keep:
            Project(work / "project").remove()
    opts = _options(args)
    print(report.header(argv, len(next(iter(results.values()), []))))
    print()
    print(report.table(results, opts.restarts, opts.extra_files))
    if args.json:
        raw = {"machine": report.machine(), "argv": argv, "results": results}
        Path(args.json).write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
