"""The ``failsafe-flask`` command: ``run`` (terminal) and ``lsp`` (language server)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional

from . import validate
from .appspec import missing_app_message
from .config import DEFAULT_HOST, DEFAULT_LOAD_TIMEOUT, DEFAULT_PORT, AppConfig


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "lsp":
        from .lsp.main import main as lsp_main

        lsp_main()
        return
    sys.exit(_run(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="failsafe-flask", description="A Flask development server that never dies."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve the app in this folder, like flask run --debug")
    run.add_argument("--app", help="as flask run: module, module:name, 'module:factory()', file.py")
    run.add_argument("--host", type=_checked(validate.host), help=f"default {DEFAULT_HOST}")
    run.add_argument("--port", type=_checked(validate.port_text), help=f"default {DEFAULT_PORT}")
    run.add_argument("--no-debug", action="store_true", help="no debugger, no debug mode")
    run.add_argument(
        "--extra-files", action="append", default=[], help="more files or globs that restart it"
    )
    run.add_argument(
        "--exclude", action="append", default=[], help="files or folders (globs) to ignore"
    )
    run.add_argument("--env-file", help="a dotenv file loaded as flask run --env-file does")
    run.add_argument("--python", help="interpreter that runs the app (default: this one)")
    run.add_argument(
        "--no-preload", action="store_true", help="start each app process in a new interpreter"
    )
    run.add_argument(
        "--load-timeout",
        type=_checked(validate.seconds_text),
        help=f"seconds before a stuck load is reported (default {DEFAULT_LOAD_TIMEOUT:g})",
    )
    run.add_argument(
        "--debugpy",
        metavar="[HOST:]PORT",
        type=_checked(validate.debug_address),
        help="every app process listens for a debugger there, as python -m debugpy --listen",
    )
    run.add_argument(
        "--debugpy-wait", action="store_true", help="each app process waits for the debugger"
    )
    run.add_argument("--project", default=".", help="the project folder (default: here)")
    commands.add_parser("lsp", help="serve the Language Server Protocol on stdio")
    return parser


def _checked(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a shared check: argparse puts "argument --port:" in front."""

    def convert(text: str) -> Any:
        try:
            return check(text)
        except validate.InvalidValue as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _split(values: list[str]) -> tuple[str, ...]:
    # flask run takes several paths in one option, separated as PATH is
    return tuple(part for value in values for part in value.split(os.pathsep) if part)


def _run(args: argparse.Namespace) -> int:
    root = Path(args.project).resolve()
    if not root.is_dir():
        print(f"Error: the project folder {root} does not exist.", file=sys.stderr)
        return 2
    problem = missing_app_message(str(root), args.app, os.environ)
    if problem:
        print(f"Error: {problem}", file=sys.stderr)
        return 2
    config = _config(args, root)
    from .terminal import run

    return asyncio.run(run(config))


def _config(args: argparse.Namespace, root: Path) -> AppConfig:
    """The options given; AppConfig's own defaults for those that were not."""
    given = {
        "app": args.app or os.environ.get("FLASK_APP") or None,
        "host": args.host,
        "port": args.port,
        "python": args.python,
        "env_file": args.env_file,
        "load_timeout": args.load_timeout,
        "debugpy": args.debugpy,
    }
    return AppConfig(
        project_root=root,
        debug=not args.no_debug,
        preload=not args.no_preload,
        debugpy_wait=args.debugpy_wait,
        extra_watch=_split(args.extra_files),
        excludes=_split(args.exclude),
        **{name: value for name, value in given.items() if value is not None},
    )
