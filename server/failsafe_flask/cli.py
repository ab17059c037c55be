"""The ``failsafe-flask`` command: ``run`` (terminal) and ``lsp`` (language server)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Optional

# The rest is imported inside main(), where a Ctrl+C during the imports is caught.


def main(argv: Optional[Sequence[str]] = None) -> None:
    try:
        args = _parser().parse_args(argv)
        if args.command == "lsp":
            from .lsp.main import main as lsp_main

            lsp_main()
            return
        sys.exit(_run(args))
    except KeyboardInterrupt:
        # Ctrl+C before the signal handlers are in place (while Python imports): a
        # traceback would say nothing the user does not know; 130 is 128 + SIGINT.
        sys.exit(130)


def _parser() -> argparse.ArgumentParser:
    from .config import DEFAULT_HOST, DEFAULT_PORT

    parser = argparse.ArgumentParser(
        prog="failsafe-flask", description="A Flask development server that never dies."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve the app in this folder, like flask run --debug")
    run.add_argument("--app", help="as flask run: module, module:name, 'module:factory()', file.py")
    run.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    run.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    run.add_argument("--no-debug", action="store_true", help="no debugger, no debug mode")
    run.add_argument(
        "--extra-files", action="append", default=[], help="more files or globs that restart it"
    )
    run.add_argument(
        "--exclude", action="append", default=[], help="files or folders (globs) to ignore"
    )
    run.add_argument("--env-file", help="a dotenv file loaded as flask run --env-file does")
    run.add_argument("--python", default=sys.executable, help="interpreter that runs the app")
    run.add_argument(
        "--no-preload", action="store_true", help="start each app process in a new interpreter"
    )
    run.add_argument(
        "--load-timeout",
        type=_seconds,
        default=30.0,
        help="seconds before a load that never ends is reported (default 30)",
    )
    run.add_argument("--project", default=".", help="the project folder (default: here)")
    commands.add_parser("lsp", help="serve the Language Server Protocol on stdio")
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of seconds")
    return seconds


def _split(values: list[str]) -> tuple[str, ...]:
    # flask run takes several paths in one option, separated as PATH is
    return tuple(part for value in values for part in value.split(os.pathsep) if part)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import stopsignals

    stopsignals.hold()  # until the terminal's event loop handles them: see stopsignals
    from .appspec import missing_app_message
    from .config import AppConfig
    from .text import printable

    root = Path(args.project).resolve()
    if not root.is_dir():
        print(f"Error: the project folder {root} does not exist.", file=sys.stderr)
        return 2
    problem = missing_app_message(str(root), args.app, os.environ)
    if problem:
        print(f"Error: {printable(problem)}", file=sys.stderr)
        return 2
    config = AppConfig(
        project_root=root,
        app=args.app or os.environ.get("FLASK_APP") or None,
        host=args.host,
        port=args.port,
        debug=not args.no_debug,
        python=args.python,
        preload=not args.no_preload,
        env_file=args.env_file,
        extra_watch=_split(args.extra_files),
        excludes=_split(args.exclude),
        load_timeout=args.load_timeout,
    )
    import asyncio  # here: the less imported before main() runs, the less Ctrl+C can hit

    from .terminal import run

    return asyncio.run(run(config))
