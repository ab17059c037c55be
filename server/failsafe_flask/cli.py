"""The ``failsafe-flask`` command (``run``, ``lsp``) and ``flask failsafe``.

One definition of ``flask run``'s options serves both ``failsafe-flask run`` and the
``flask failsafe`` command that Flask finds through the ``flask.commands`` entry point
(where Flask's own ``--app``, ``--debug``, ``-e`` and dotenv loading come for free).
``-h`` is the host, as in ``flask run``: help is ``--help``.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional, TypeVar

import click

from . import __version__, stopsignals, validate
from .appspec import missing_app_message
from .config import (
    DEFAULT_HOST,
    DEFAULT_LOAD_TIMEOUT,
    DEFAULT_PORT,
    PRELOAD_MODES,
    AppConfig,
    preload_fields,
)
from .runsettings import ADHOC, RunSettingError, resolve
from .text import printable

F = TypeVar("F", bound=Callable[..., Any])


class Checked(click.ParamType):  # type: ignore[type-arg]  # generic only in new click
    """A click type from a shared check: click puts "Invalid value for '--port':" first."""

    def __init__(self, name: str, check: Callable[[str], Any]) -> None:
        self.name = name
        self._check = check

    def convert(
        self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]
    ) -> Any:
        try:
            return self._check(str(value))
        except validate.InvalidValue as exc:
            self.fail(str(exc), param, ctx)


class Cert(click.ParamType):  # type: ignore[type-arg]
    """``flask run --cert``: an existing file, or ``adhoc``."""

    name = "path"

    def convert(
        self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]
    ) -> Any:
        if str(value).lower() == ADHOC:
            return ADHOC
        return click.Path(exists=True, dir_okay=False, resolve_path=True).convert(value, param, ctx)


class Refused(click.ClickException):
    """Nothing can run as asked: one sentence, exit code 2 like a wrong option."""

    exit_code = 2


def _option(*names: str, **kwargs: Any) -> Callable[[F], F]:
    # Under `flask`, click would also read FLASK_FAILSAFE_<NAME>: flask run's variables
    # (FLASK_RUN_*) are read by runsettings instead, the same way in every front end.
    return click.option(*names, allow_from_autoenv=False, **kwargs)


_PATH = click.Path(exists=True, dir_okay=False, resolve_path=True)
_RUN_OPTIONS = (
    _option(
        "-A",
        "--app",
        metavar="IMPORT",
        help="module, module:name, 'module:factory()' or file.py"
        " (default: FLASK_APP, else wsgi.py or app.py)",
    ),
    _option(
        "-e", "--env-file", metavar="FILE", help="a dotenv file loaded over .env and .flaskenv"
    ),
    _option("--debug/--no-debug", default=None, help="debug mode (default: FLASK_DEBUG, else on)"),
    _option(
        "-h",
        "--host",
        type=Checked("host", validate.host),
        help=f"the interface to bind to (default FLASK_RUN_HOST, else {DEFAULT_HOST})",
    ),
    _option(
        "-p",
        "--port",
        type=Checked("port", validate.port_text),
        help=f"the port to bind to (default FLASK_RUN_PORT, else {DEFAULT_PORT})",
    ),
    _option(
        "--cert",
        type=Cert(),
        help="a certificate file, or 'adhoc' (needs cryptography where the app runs): serve HTTPS",
    ),
    _option("--key", type=_PATH, help="the key file of --cert"),
    _option(
        "--reload/--no-reload",
        default=True,
        help="restart the app when a file changes (default: on, also without --debug)",
    ),
    _option(
        "--debugger/--no-debugger",
        default=None,
        help="Werkzeug's debugger (default: as debug mode)",
    ),
    _option(
        "--with-threads/--without-threads", default=True, help="a thread per request (default: on)"
    ),
    _option(
        "--extra-files",
        multiple=True,
        help=f"more files or globs that restart the app (several: separated by {os.pathsep!r})",
    ),
    _option(
        "--exclude-patterns",
        "--exclude",
        "exclude_patterns",
        multiple=True,
        help="files or folders (globs) that never restart it",
    ),
    _option(
        "--debugpy",
        metavar="[HOST:]PORT",
        type=Checked("address", validate.debug_address),
        help="every app process listens for a debugger there, as python -m debugpy --listen",
    ),
    _option("--debugpy-wait", is_flag=True, help="each app process waits for the debugger"),
    _option("--python", help="the interpreter that runs the app (default: this one)"),
    _option(
        "--preload",
        type=click.Choice(PRELOAD_MODES),
        default=None,
        help="on: incremental restarts (default); packages: Flask and installed packages"
        " only; off: a new interpreter per restart",
    ),
    _option("--no-preload", is_flag=True, help="the same as --preload off"),
    _option(
        "--no-live-reload",
        is_flag=True,
        help="open pages do not follow saves (live reload is on in debug mode only)",
    ),
    _option(
        "--url-prefix",
        metavar="/PATH",
        type=Checked("path", validate.url_prefix),
        default="",
        help="serve the app under this path too, as behind a path proxy"
        " ({port}: the app's port; e.g. /absproxy/{port} for code-server)",
    ),
    _option(
        "--load-timeout",
        type=Checked("seconds", validate.seconds_text),
        help=f"seconds before a stuck load is reported (default {DEFAULT_LOAD_TIMEOUT:g})",
    ),
    _option(
        "--project",
        default=".",
        type=click.Path(file_okay=False),
        help="the project folder (default: here)",
    ),
)


def run_options(command: F) -> F:
    for option in reversed(_RUN_OPTIONS):
        command = option(command)
    return command


def version_text() -> str:
    # Here and not at the top: only --version reads installed metadata, and the module
    # (with email, zipfile, csv) costs every supervisor 2.5 MiB it never uses otherwise.
    from importlib import metadata

    lines = [f"failsafe-flask {__version__}"]
    for name in ("Flask", "Werkzeug"):
        try:
            lines.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} not installed")
    return "\n".join([*lines, f"Python {platform.python_version()}"])


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


@click.group(help="A Flask development server that never dies.")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="the versions of failsafe-flask, Flask, Werkzeug and Python",
)
def group() -> None:
    pass


@group.command("run", short_help="serve the app here, as flask run --debug")
@run_options
def run_command(**options: Any) -> None:
    """Serve the app as flask run does, restarting it on changes, and never die."""
    _serve(options)


@group.command("lsp", short_help="serve the Language Server Protocol on stdio")
def lsp_command() -> None:
    from .lsp.main import main as lsp_main

    lsp_main()


@click.command("failsafe", short_help="serve the app with failsafe-flask")
@run_options
@click.pass_context
def flask_command(ctx: click.Context, /, **options: Any) -> None:
    """Serve the app as flask run does, restarting it on changes, and never die."""
    from flask.cli import ScriptInfo

    info = ctx.find_object(ScriptInfo)  # Flask's --app (or FLASK_APP), never loaded here
    if options["app"] is None and info is not None:
        options["app"] = info.app_import_path
    _serve(options)


def main(argv: Optional[Sequence[str]] = None) -> None:
    try:
        code = group.main(args=argv, prog_name="failsafe-flask", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort):
        # Ctrl+C before the signal handlers are in place (while Python imports): a
        # traceback would say nothing the user does not know; 130 is 128 + SIGINT.
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def _serve(options: dict[str, Any]) -> None:
    stopsignals.hold()  # until the terminal's event loop handles them: see stopsignals
    root = Path(options["project"]).resolve()
    if not root.is_dir():
        raise Refused(f"the project folder {root} does not exist.")
    config = _config(root, options)
    problem = missing_app_message(str(root), config.app, os.environ, config.env_file)
    if problem:
        raise Refused(printable(problem))
    # Before asyncio and the supervisor are imported: see supervisor.headstart.
    from .supervisor.headstart import head_start

    head = head_start(config)
    import asyncio

    from .terminal import run

    code = asyncio.run(run(config, head))
    if code:
        raise SystemExit(code)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    # flask run takes several paths in one option, separated as PATH is
    return tuple(part for value in values for part in value.split(os.pathsep) if part)


def _config(root: Path, options: dict[str, Any]) -> AppConfig:
    """The options given, over FLASK_* variables, over AppConfig's own defaults."""
    given = {name: options[name] for name in ("app", "host", "port", "debug", "cert", "key")}
    given.update(
        python=options["python"],
        env_file=options["env_file"],
        load_timeout=options["load_timeout"],
        debugger=options["debugger"],
        extra_watch=_split(options["extra_files"]),
        excludes=_split(options["exclude_patterns"]),
    )
    try:
        fields = resolve(root, given, os.environ)
    except RunSettingError as exc:
        raise Refused(printable(str(exc))) from None
    fields.update(preload_fields("off" if options["no_preload"] else options["preload"] or "on"))
    return AppConfig(
        project_root=root,
        reload=options["reload"],
        threaded=options["with_threads"],
        live_reload=not options["no_live_reload"],
        url_prefix=options["url_prefix"],
        debugpy=options["debugpy"],
        debugpy_wait=options["debugpy_wait"],
        **fields,
    )
