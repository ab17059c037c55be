"""The app process: load the user's app, serve it, report to the supervisor; never exit.

``python -m failsafe_flask.child [--app SPEC] --host H --port P [--debug | --no-debug]
[--debugger | --no-debugger] [--without-threads] [--env-file F] [--cert C [--key K]]
[--load-timeout S] [--debugpy [HOST:]PORT [--debugpy-path D] [--debugpy-wait]]
[--no-live-reload] [--url-prefix /PATH]``,
run in the user's interpreter with the listening socket, the event pipe and the lifeline
inherited from the supervisor (see ``failsafe_flask.protocol``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn, Optional

from failsafe_flask.child import compat, errorpage, frames, imports, livereload, loader, prefix
from failsafe_flask.child import debugger as debugpy_session
from failsafe_flask.child.events import EventWriter
from failsafe_flask.child.exceptions import describe
from failsafe_flask.child.lifeline import watch_lifeline_from_env
from failsafe_flask.child.paths import imported_project_files, third_party_packages
from failsafe_flask.child.watchdog import LoadWatchdog
from failsafe_flask.config import DEFAULT_HOST, DEFAULT_LOAD_TIMEOUT, DEFAULT_PORT
from failsafe_flask.protocol import (
    ENV_PROJECT_ROOT,
    ENV_SERVER_FD,
    ExceptionInfo,
    Imports,
    LoadError,
    Loading,
    Ready,
    RequestError,
    display_url,
)
from failsafe_flask.validate import debug_address, port_text, seconds_text, url_prefix

# Longest wait for accepted requests after SIGTERM; the supervisor may SIGKILL sooner.
DRAIN_TIMEOUT = 30.0

if TYPE_CHECKING:
    import ssl

    from _typeshed.wsgi import WSGIApplication
    from flask import Flask
    from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m failsafe_flask.child")
    _serving_options(parser)
    _debugging_options(parser)
    return parser.parse_args(argv)


def _serving_options(parser: argparse.ArgumentParser) -> None:
    """``flask run``'s own options, and the load timeout."""
    parser.add_argument("--app", default=None, help="as flask --app; default FLASK_APP")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=port_text, default=DEFAULT_PORT)
    parser.add_argument("--env-file", default=None, help="as flask run --env-file")
    parser.add_argument(
        "--debug", action=argparse.BooleanOptionalAction, default=None, help="default FLASK_DEBUG"
    )
    parser.add_argument(
        "--debugger", action=argparse.BooleanOptionalAction, default=None, help="default: debug"
    )
    parser.add_argument("--without-threads", dest="threaded", action="store_false")
    parser.add_argument("--cert", default=None, help="a certificate file or 'adhoc': HTTPS")
    parser.add_argument("--key", default=None, help="the key file of --cert")
    parser.add_argument(
        "--load-timeout",
        type=seconds_text,
        default=DEFAULT_LOAD_TIMEOUT,
        help="seconds before a load that never ends is reported",
    )


def _debugging_options(parser: argparse.ArgumentParser) -> None:
    """What Failsafe Flask adds: the debugger to attach, the pages that follow saves."""
    parser.add_argument(
        "--debugpy", type=debug_address, default=None, help="[HOST:]PORT a debugger attaches to"
    )
    parser.add_argument(
        "--debugpy-path", default=None, help="a folder with debugpy, when the app has none"
    )
    parser.add_argument("--debugpy-wait", action="store_true", help="wait for the debugger")
    parser.add_argument(
        "--live-reload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="open pages follow saves (debug mode only)",
    )
    parser.add_argument(
        "--url-prefix",
        type=url_prefix,
        default="",
        help="the path a proxy serves the app under (its {port} already replaced)",
    )


def main(argv: Optional[Sequence[str]] = None) -> NoReturn:
    """Load and serve until SIGTERM; on a load error serve the error page instead."""
    args = parse_args(argv)
    # What ends this process uncaught (a KeyboardInterrupt at import) is printed without
    # our frames, as every error the app process reports is.
    sys.excepthook = lambda _kind, exc, _tb: frames.print_uncaught(exc)
    root = os.path.abspath(os.environ.get(ENV_PROJECT_ROOT) or os.getcwd())
    args.hub = livereload.Hub()  # the supervisor's commands reach the open pages through it
    watch_lifeline_from_env(args.hub.publish)
    writer = EventWriter.from_env()
    _prepare_environment(args.debug)
    if args.debugpy is not None:  # before the app is loaded: import-time breakpoints work
        debugpy_session.listen(args.debugpy, args.debugpy_path, args.debugpy_wait)
    spec = args.app or os.environ.get("FLASK_APP") or ""
    writer.emit(Loading(pid=os.getpid(), app=spec))
    app = _load(args, spec, root, writer)
    _report_request_errors(app, writer, root)
    writer.check()  # the app may have closed it (os.closerange) with the server's socket
    use_debugger = app.debug if args.debugger is None else args.debugger
    # Ready once the server exists: a failure to build it must not follow "Running".
    _serve(
        app,
        args,
        use_debugger,
        writer,
        on_built=lambda: writer.emit(_ready_event(args, root)),
        live=args.live_reload and app.debug,
        later=lambda: _send_imports(writer, app),
    )


def _load(args: argparse.Namespace, spec: str, root: str, writer: EventWriter) -> Flask:
    """The app; a load that fails serves its error page and never returns."""
    watchdog = _watch_loading(writer, spec, root, args.load_timeout)
    args.tls = None
    try:
        # Before the app: a certificate that cannot be used is reported as a load error.
        args.tls = _tls_context(args.cert, args.key)
        imports.install(root)  # what imports what: an incremental restart keeps the rest
        app = loader.load_app(spec, args.env_file)
    except (Exception, SystemExit) as exc:  # SystemExit: a sys.exit() at import time
        watchdog.done()
        imports.stop()
        _serve_load_error(exc, spec, root, writer, args)
    watchdog.done()
    imports.stop()
    return app


def _watch_loading(writer: EventWriter, spec: str, root: str, timeout: float) -> LoadWatchdog:
    """Report a load that outlasts the timeout, at the line the main thread is stuck on."""

    def on_timeout(info: ExceptionInfo) -> None:
        writer.emit(_load_error_event(info, spec, root))

    watchdog = LoadWatchdog(timeout, root, on_timeout)
    watchdog.start()
    return watchdog


def _load_error_event(info: ExceptionInfo, spec: str, root: str) -> LoadError:
    return LoadError(
        pid=os.getpid(),
        error=info,
        files=imported_project_files(sys.modules, root),
        entry=loader.entry_file(spec, os.getcwd()),
    )


def _prepare_environment(debug: Optional[bool]) -> None:
    # As under `flask run`: a module-level app.run() returns at once instead of blocking.
    os.environ.setdefault("FLASK_RUN_FROM_CLI", "true")
    if debug is not None:
        # ScriptInfo.load_app sets app.debug from FLASK_DEBUG, as flask run --debug does.
        os.environ["FLASK_DEBUG"] = "1" if debug else "0"
    if ENV_SERVER_FD not in os.environ:
        # A manual run: let run_simple bind the port itself instead of expecting an fd.
        os.environ.pop("WERKZEUG_RUN_MAIN", None)


def _send_imports(writer: EventWriter, app: Flask) -> None:
    """What imported what, for the next restart's layer: sent once the first request is
    served (5-10 ms on a 300-module project that the save's browser need not wait for)."""
    recorder = imports.recorder()
    if recorder is not None and recorder.environ is not None:
        modules = recorder.modules(imports.app_holders(app))
        writer.emit(Imports(os.getpid(), modules, recorder.environ, recorder.path))


def _ready_event(args: argparse.Namespace, root: str) -> Ready:
    return Ready(
        pid=os.getpid(),
        url=display_url(args.host, args.port, https=args.cert is not None),
        files=imported_project_files(sys.modules, root),
        packages=debugpy_session.without_debugger(third_party_packages(sys.modules, root)),
    )


def _report_request_errors(app: Flask, writer: EventWriter, root: str) -> None:
    from flask import request

    def on_exception(exception: BaseException) -> None:
        # Runs inside Flask's error handling: it must never raise. Flask (or the debugger)
        # prints the traceback itself, so nothing is printed here.
        try:
            query = request.query_string.decode("utf-8", errors="replace")
            event = RequestError(
                pid=os.getpid(),
                method=request.method,
                path=request.path + (f"?{query}" if query else ""),
                error=describe(exception, root),
            )
            writer.emit(event)
        except Exception:
            traceback.print_exc()

    compat.on_unhandled_exception(app, on_exception)


def _tls_context(cert: Optional[str], key: Optional[str]) -> Optional[ssl.SSLContext]:
    """flask run --cert: a file and its key, or "adhoc" (which needs cryptography here)."""
    if cert is None:
        return None
    from werkzeug.serving import generate_adhoc_ssl_context, load_ssl_context

    if cert != "adhoc":
        return load_ssl_context(cert, key)
    if importlib.util.find_spec("cryptography") is None:  # as flask run refuses it
        raise RuntimeError(
            "--cert adhoc needs the cryptography library where the app runs:"
            f" {sys.executable} -m pip install cryptography"
        )
    return generate_adhoc_ssl_context()


def _serve(
    app: WSGIApplication,
    args: argparse.Namespace,
    debugger: bool,
    writer: Optional[EventWriter] = None,
    on_built: Callable[[], None] = lambda: None,
    live: bool = False,
    later: Optional[Callable[[], None]] = None,
) -> NoReturn:
    """Serve as ``run_simple`` does, keeping the server object to stop it on SIGTERM.

    With ``writer``, each request's start and end are reported (see ``graceful.InFlight``).
    ``on_built`` runs once the server exists, ``later`` once it is first idle. ``live``:
    live reload (never without threads: each open page holds a request).
    """
    from failsafe_flask.child import graceful

    fd = os.environ.get(ENV_SERVER_FD)
    in_flight = graceful.InFlight(writer.emit if writer is not None else None)
    # Our own setup runs no user code: pydevd's trace function, called on every Python
    # call while debugging, would only slow it (tens of ms: Werkzeug's debugger, the server).
    with debugpy_session.untraced():
        server = _build_server(app, args, debugger, graceful.tracking_handler(in_flight), live)
        graceful.count_from_accept(server, in_flight)
        on_built()
    if fd is None:
        server.log_startup()  # a manual run; under the supervisor it prints the URL
    # Returns on SIGTERM (or Ctrl-C), its socket closed.
    graceful.serve_until_sigterm(server, later, in_flight.idle)
    debugpy_session.release()  # the next app process listens on the debug port at once
    args.hub.close()  # open pages reconnect at once, to the next app process
    # Let the accepted requests finish; the supervisor's SIGKILL bounds this anyway.
    in_flight.wait_idle(DRAIN_TIMEOUT)
    debugpy_session.end()  # the client's cue to re-attach, to the next app process
    sys.stdout.flush()
    sys.stderr.flush()
    # User threads (schedulers, pools) must not keep a retired app alive until SIGKILL.
    os._exit(0)


def _wrapped(
    app: WSGIApplication, args: argparse.Namespace, debugger: bool, live: bool
) -> WSGIApplication:
    """The app inside what serves it: the debugger, live reload, the URL prefix."""
    wsgi = compat.with_debugger(app, args.host) if debugger else app
    if live:
        wsgi = livereload.LiveReload(wsgi, args.hub, secrets.token_hex(8))
    if args.url_prefix:  # outermost: live reload's reserved path works under the prefix
        wsgi = prefix.UrlPrefix(wsgi, args.url_prefix)
    return wsgi


def _build_server(
    app: WSGIApplication,
    args: argparse.Namespace,
    debugger: bool,
    handler: type[WSGIRequestHandler],
    live: bool,
) -> BaseWSGIServer:
    from werkzeug.serving import make_server

    _uncoloured_request_lines()
    fd = os.environ.get(ENV_SERVER_FD)
    return make_server(
        args.host,
        args.port,
        _wrapped(app, args, debugger, live and args.threaded),
        threaded=args.threaded,
        request_handler=handler,
        fd=int(fd) if fd else None,  # the supervisor's socket: never bind here
        ssl_context=args.tls,  # wraps the inherited socket: HTTPS on the same port
    )


def _uncoloured_request_lines() -> None:
    """Werkzeug colours request lines on every POSIX stream, tty or not: in the logs
    and editors this output goes to, the codes would be junk."""
    from werkzeug import serving

    if hasattr(serving, "_log_add_style"):  # the switch, where this Werkzeug has one
        serving._log_add_style = False


def _serve_load_error(
    exc: BaseException, spec: str, root: str, writer: EventWriter, args: argparse.Namespace
) -> NoReturn:
    real = loader.reported_exception(exc)
    info = loader.describe_load_error(real, spec, root)
    writer.emit(_load_error_event(info, spec, root))
    # Not printed here: the front ends print it once, from the event, with its location.
    text = frames.traceback_text(real)  # the frames of the event, as Python prints them
    page = errorpage.render_page(info["type"], info["message"], text, str(os.getpid()))
    error_app = errorpage.error_app(page, str(os.getpid()))
    _serve(error_app, args, debugger=False, live=args.live_reload and _debug_from_env())


def _debug_from_env() -> bool:
    """Debug mode as Flask reads FLASK_DEBUG (set from --debug by _prepare_environment)."""
    return os.environ.get("FLASK_DEBUG", "").lower() not in ("", "0", "false", "no")
