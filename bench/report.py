"""Raw results -> the Markdown table: median, min, max per peer, and median / ours."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from peers import PEERS

Results = dict[str, list[dict[str, Any]]]  # peer key -> one dict per run


@dataclass(frozen=True)
class Metric:
    title: str
    unit: str
    values: Callable[[dict[str, Any]], list[float]]  # what one run contributes
    note: Optional[Callable[[list[dict[str, Any]]], str]] = None
    # what "ours" is compared with when this row has no value of ours (restart from
    # scratch, for a peer that died, is set against our fix -> served)
    ours_values: Optional[Callable[[dict[str, Any]], list[float]]] = None


def _key(name: str, scale: float = 1.0) -> Callable[[dict[str, Any]], list[float]]:
    def values(run: dict[str, Any]) -> list[float]:
        value = run.get(name)
        return [] if value is None else [value * scale]

    return values


def _missed(name: str) -> Callable[[list[dict[str, Any]]], str]:
    def note(runs: list[dict[str, Any]]) -> str:
        missed = sum(run.get(name, 0) is None for run in runs)
        return f"missed the {30:.0f} s deadline in {missed}/{len(runs)}" if missed else ""

    return note


def _after_error(runs: list[dict[str, Any]]) -> str:
    n = len(runs)
    alive = sum(bool(run.get("alive_after_error")) for run in runs)
    answers = sum(bool(run.get("answers_after_error")) for run in runs)
    return f"process alive {alive}/{n}, port answers {answers}/{n}"


def _fix_note(runs: list[dict[str, Any]]) -> str:
    dead = sum(run.get("fix_outcome") == "dead" for run in runs)
    missed = sum(run.get("fix_outcome") == "missed" for run in runs)
    parts = [f"dead: needs a manual restart ({dead}/{len(runs)})"] if dead else []
    parts += [f"fix not picked up ({missed}/{len(runs)})"] if missed else []
    return "; ".join(parts)


def _requests_note(runs: list[dict[str, Any]]) -> str:
    total = sum(run.get("requests_total", 0) for run in runs)
    failed = sum(run.get("requests_failed", 0) for run in runs)
    done = [run.get("restarts_done", 0) for run in runs]
    return f"{failed}/{total} requests in all; restarts done per run: {min(done)}-{max(done)}"


def _crash_note(runs: list[dict[str, Any]]) -> str:
    total = sum(run.get("crash_requests_total", 0) for run in runs)
    failed = sum(run.get("crash_requests_failed", 0) for run in runs)
    done = [run.get("crash_cycles_done", 0) for run in runs]
    return (
        f"of {total} requests in all; refused or reset: {failed}; "
        f"cycles done per run: {min(done)}-{max(done)}"
    )


METRICS = (
    Metric("cold start -> first 200", "ms", _key("cold_start_s", 1e3), _missed("cold_start_s")),
    Metric(
        "save (temp file + rename) -> served",
        "ms",
        _key("save_replace_s", 1e3),
        _missed("save_replace_s"),
    ),
    Metric(
        "save (in place) -> served", "ms", _key("save_inplace_s", 1e3), _missed("save_inplace_s")
    ),
    Metric(
        "SyntaxError saved -> error observable", "ms", _key("syntax_error_s", 1e3), _after_error
    ),
    Metric("fix saved -> served", "ms", _key("fix_s", 1e3), _fix_note),
    Metric(
        "restart from scratch after the fix",
        "ms",
        _key("restart_from_scratch_s", 1e3),
        ours_values=_key("fix_s", 1e3),
    ),
    Metric(
        "each of the N restarts under load -> served",
        "ms",
        lambda run: [t * 1e3 for t in run.get("restart_s", [])],
    ),
    Metric(
        "requests failed during the N restarts", "count", _key("requests_failed"), _requests_note
    ),
    Metric("slowest request during the N restarts", "ms", _key("slowest_request_s", 1e3)),
    Metric(
        "crash at import saved -> error page served",
        "ms",
        lambda run: [t * 1e3 for t in run.get("crash_to_page_s", [])],
    ),
    Metric(
        "requests unanswered for 5 s during the crash -> fix cycles",
        "count",
        _key("crash_requests_unanswered"),
        _crash_note,
    ),
    Metric("cold start with 10,000 extra .py files", "ms", _key("cold_start_10k_s", 1e3)),
    Metric("idle CPU with 10,000 extra .py files", "% of a core", _key("idle_cpu_pct")),
    Metric("RSS of the process tree, serving", "MiB", _key("serving_rss_mib")),
    Metric("PSS of the process tree, serving", "MiB", _key("serving_pss_mib")),
    Metric("peak RSS of the process tree", "MiB", _key("peak_rss_mib")),
    Metric("peak PSS of the process tree", "MiB", _key("peak_pss_mib")),
)


def _fmt(value: Optional[float]) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _ratio(value: float, ours: Optional[float]) -> str:
    if ours is None:
        return "-"
    if ours == 0:
        return "both 0" if value == 0 else "ours 0"
    return f"{value / ours:.2g}x"


def _ours_median(metric: Metric, results: Results) -> Optional[float]:
    runs = results.get("ours", [])
    values = [v for run in runs for v in metric.values(run)]
    if not values and metric.ours_values is not None:
        values = [v for run in runs for v in metric.ours_values(run)]
    return statistics.median(values) if values else None


def _rows(metric: Metric, results: Results) -> list[str]:
    ours = _ours_median(metric, results)
    rows = []
    for peer in (p for p in PEERS if p.key in results):
        runs = results[peer.key]
        values = [v for run in runs for v in metric.values(run)]
        note = metric.note(runs) if metric.note and runs else ""
        if not values:
            cells = ["-", "-", "-", "-"]
        else:
            median = statistics.median(values)
            cells = [
                _fmt(median),
                _fmt(min(values)),
                _fmt(max(values)),
                "1x" if peer.key == "ours" else _ratio(median, ours),
            ]
        rows.append(
            f"| {metric.title} ({metric.unit}) | {peer.label} | "
            + " | ".join(cells)
            + f" | {note} |"
        )
    return rows


def table(results: Results, restarts: int, extra_files: int) -> str:
    lines = [
        "| metric | peer | median | min | max | median / ours | notes |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for metric in METRICS:
        title = metric.title.replace("N restarts", f"{restarts} restarts")
        title = title.replace("10,000", f"{extra_files:,}")
        lines += _rows(replace(metric, title=title), results)
    return "\n".join(lines)


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                model,
            )
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def header(argv: Sequence[str], runs: int) -> str:
    command = " ".join([".venv/bin/python", "bench/run.py", *argv])
    return "\n".join(
        [
            f"Machine: {machine()}",
            f"Command: `{command}` ({runs} runs per peer, interleaved)",
        ]
    )
