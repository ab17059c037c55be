"""The ``failsafe-flask`` command: ``run`` (terminal) and ``lsp`` (language server)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Optional

# The rest is imported inside main(), where a Ctrl+C during the imports is caught.
if TYPE_CHECKING:
    from pathlib import Path

    from .config import AppConfig


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
    from . import validate
    from .config import DEFAULT_HOST, DEFAULT_LOAD_TIMEOUT, DEFAULT_PORT

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
    run.add_argument("--project", default=".", help="the project folder (default: here)")
    commands.add_parser("lsp", help="serve the Language Server Protocol on stdio")
    return parser


def _checked(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a shared check: argparse puts "argument --port:" in front."""
    from . import validate

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
    from pathlib import Path

    from . import stopsignals

    stopsignals.hold()  # until the terminal's event loop handles them: see stopsignals
    from .appspec import missing_app_message
    from .text import printable

    root = Path(args.project).resolve()
    if not root.is_dir():
        print(f"Error: the project folder {root} does not exist.", file=sys.stderr)
        return 2
    problem = missing_app_message(str(root), args.app, os.environ)
    if problem:
        print(f"Error: {printable(problem)}", file=sys.stderr)
        return 2
    config = _config(args, root)
    import asyncio  # here: the less imported before main() runs, the less Ctrl+C can hit

    from .terminal import run

    return asyncio.run(run(config))


def _config(args: argparse.Namespace, root: Path) -> AppConfig:
    """The options given; AppConfig's own defaults for those that were not."""
    from .config import AppConfig

    given = {
        "app": args.app or os.environ.get("FLASK_APP") or None,
        "host": args.host,
        "port": args.port,
        "python": args.python,
        "env_file": args.env_file,
        "load_timeout": args.load_timeout,
    }
    return AppConfig(
        project_root=root,
        debug=not args.no_debug,
        preload=not args.no_preload,
        extra_watch=_split(args.extra_files),
        excludes=_split(args.exclude),
        **{name: value for name, value in given.items() if value is not None},
    )
