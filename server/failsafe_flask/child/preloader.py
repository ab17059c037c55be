"""The preloader: import Flask and the project's third-party packages once, then fork a
fresh app process for each request of the supervisor (POSIX only).

``python -m failsafe_flask.child.preloader [--env-file F] [PACKAGE ...]``, started by the
supervisor in the user's interpreter and in the app's environment, with two inherited fds:

- requests (an AF_UNIX stream socket): one ``ForkRequest`` line per fork, whose first
  byte carries five fds (SCM_RIGHTS, in ``FORK_FDS`` order). EOF means the supervisor is
  gone: the preloader exits, and its forks die through their own lifelines.
- replies (a pipe): ``PreloadReady`` once the imports are done, ``Forked`` (or
  ``ForkFailed``) per request, and ``Exited`` when a fork ends: the fork is this process's
  child, so this process reaps it and reports its status.

A ``LayerRequest`` (two fds, ``LAYER_FDS``: a request socket and a reply pipe of the
layer's own) forks a layer: it imports the project modules the next save cannot affect,
answers ``LayerReady`` on its own pipe, then serves fork requests on its own socket as
this loop does; the preloader reaps it like any fork. A layer shares the preloader's
third-party pages instead of importing the packages again.

The messages are defined in ``failsafe_flask.protocol``.

Single-threaded: it waits in one ``select`` on the request socket and a SIGCHLD wakeup pipe,
so no other thread holds a lock when it forks. A package whose import starts a thread is
left out (``--leave-out``, named in the ready reply): the preloader execs itself afresh
without it, and each app process imports it itself. Standard library only at import time.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import linecache
import os
import random
import runpy
import select
import selectors
import signal
import socket
import sys
import sysconfig
from collections.abc import Sequence
from typing import NoReturn, Optional, Union

from failsafe_flask.child import debugger, frames
from failsafe_flask.child.imports import thread_count
from failsafe_flask.child.paths import (
    is_project_file,
    is_project_file_known,
    third_party_packages,
)
from failsafe_flask.protocol import (
    ENV_EVENT_FD,
    ENV_LIFELINE_FD,
    ENV_PROJECT_ROOT,
    ENV_REPLY_FD,
    ENV_REQUEST_FD,
    ENV_SERVER_FD,
    FORK_FDS,
    LAYER_FDS,
    Exited,
    Forked,
    ForkFailed,
    ForkRequest,
    LayerReady,
    LayerRequest,
    Malformed,
    PreloadReady,
    Reply,
    Request,
    decode_request,
    encode,
)

# The variable that names each of a fork request's fds in the app.
_FD_ENV = {0: ENV_SERVER_FD, 1: ENV_EVENT_FD, 2: ENV_LIFELINE_FD}
# What every app process imports: Flask's loader and server, and our own child modules.
ALWAYS = (
    "flask",
    "flask.cli",
    "werkzeug",
    "werkzeug.serving",
    "werkzeug.debug",
    "failsafe_flask.child.main",
    "failsafe_flask.child.graceful",
)
MAX_REQUEST = 16 * 1024 * 1024
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m failsafe_flask.child.preloader")
    parser.add_argument("--env-file", default=None)
    parser.add_argument("--leave-out", action="append", default=[], help="a package not to import")
    parser.add_argument("--debugpy", action="store_true", help="the forks listen for a debugger")
    parser.add_argument("--debugpy-path", default=None, help="a folder with debugpy")
    parser.add_argument("packages", nargs="*")
    args = parser.parse_args(argv)
    environ = dict(os.environ)  # as received: a run without a package starts from it
    request = socket.socket(fileno=int(os.environ.pop(ENV_REQUEST_FD)))
    reply = int(os.environ.pop(ENV_REPLY_FD))
    for fd in (request.fileno(), reply):
        os.set_inheritable(fd, False)
    _die_with_supervisor(request)
    _refuse_threads("before importing anything")
    root = os.environ.get(ENV_PROJECT_ROOT) or os.getcwd()
    debugging = _debugger_modules(args.debugpy, args.debugpy_path)
    names = [name for name in [*ALWAYS, *debugging, *args.packages] if name not in args.leave_out]
    failed, threaded = preload(names, args.env_file, root)
    if threaded is not None:
        _again_without(threaded, args, environ)
    _refuse_threads("after loading the environment")
    _keep_pages_shared()
    ready = PreloadReady(
        pid=os.getpid(),
        packages=debugger.without_debugger(third_party_packages(sys.modules, root)),
        failed=failed,
        watch=watch_list(root, args.env_file),
        left_out=args.leave_out,
    )
    _reply(reply, ready)
    _Loop(request, reply).run()


def _keep_pages_shared() -> None:
    """Moves everything imported so far out of the garbage collector's reach: a fork's
    full collections would otherwise write to the header of every object it inherited and
    copy the pages the preloader and its forks share. On the large benchmark project
    (SQLAlchemy and friends preloaded) the serving tree's PSS went from 104 to 95 MiB."""
    gc.collect()
    gc.freeze()


def _debugger_modules(debugging: bool, fallback: Optional[str]) -> tuple[str, ...]:
    """In debug mode, debugpy's modules (about 150 ms of imports, no thread): each fork
    only calls listen(). ``fallback`` goes last on sys.path, as in the app process."""
    if not debugging:
        return ()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # before pydevd's import
    if fallback and fallback not in sys.path:
        sys.path.append(fallback)
    return debugger.PRELOAD


def _die_with_supervisor(request: socket.socket, parent: Optional[int] = None) -> None:
    """An import may block for good (a package that waits on the network), and only the
    select loop notices the supervisor's EOF: where the kernel can, it kills this process
    when its parent dies instead (Linux's PR_SET_PDEATHSIG: kept across the exec that
    leaves a package out, not given to the forks, which have their own lifelines).

    A layer (``parent``: the preloader that forked it) asks for the same on its own: it
    dies with the preloader, which dies with the supervisor."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError, ImportError):
        return  # not Linux: the select loop's EOF is the way
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:
        os._exit(0)  # set too late: the preloader died already
    # Set too late if the supervisor died already: its end of the socket says so.
    if select.select([request], [], [], 0)[0] and not request.recv(1, socket.MSG_PEEK):
        os._exit(0)


def preload(
    names: Sequence[str], env_file: Optional[str], root: str
) -> tuple[list[str], Optional[str]]:
    """Import each name; one that fails is skipped. Returns the names that failed, and
    the first name whose import left a thread running (then the rest is not imported)."""
    failed: list[str] = []
    for index, name in enumerate(names):
        if index == 1:
            # As the app process does before importing the app: packages that read the
            # environment at import time see the same variables under both paths.
            _load_env(env_file)
        if not _import(name):
            failed.append(name)
        if thread_count() > 1:
            return failed, name
    forget_project_modules(root)
    return failed, None


def _refuse_threads(when: str) -> None:
    """A fork copies the calling thread only: a lock another thread holds stays held in
    every app process forever. With threads nobody can be blamed for, do not preload."""
    count = thread_count()
    if count > 1:
        print(f"it runs {count} threads {when}; forking it is not safe", file=sys.stderr)
        sys.exit(1)


def _again_without(name: str, args: argparse.Namespace, environ: dict[str, str]) -> NoReturn:
    """Start over in this same process (the supervisor keeps its pid and channels), with
    ``name`` left out: importing it started a thread, which no exec survives."""
    request, reply = environ[ENV_REQUEST_FD], environ[ENV_REPLY_FD]
    for fd in (request, reply):
        os.set_inheritable(int(fd), True)
    command = [sys.executable, "-m", "failsafe_flask.child.preloader"]
    if args.env_file:
        command += ["--env-file", args.env_file]
    if args.debugpy:
        command.append("--debugpy")
    if args.debugpy_path:
        command += ["--debugpy-path", args.debugpy_path]
    for left in [*args.leave_out, name]:
        command += ["--leave-out", left]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [*command, "--", *args.packages], environ)


def _import(name: str) -> bool:
    try:
        importlib.import_module(name)
    except BaseException:  # SystemExit or KeyboardInterrupt at import time included
        return False
    return True


def _load_env(env_file: Optional[str]) -> None:
    try:
        from failsafe_flask.child.envfile import load_project_env

        load_project_env(env_file)
    except Exception:
        pass  # the app process loads them again and reports what is wrong


def forget_project_modules(root: str, spare: frozenset[str] = frozenset()) -> None:
    """Drop every module loaded from the project but ``spare`` (a layer's kept ones): an
    app process must import it afresh."""
    for name, module in list(sys.modules.items()):
        if name in spare:
            continue
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and is_project_file_known(file, root):
            del sys.modules[name]


def watch_list(root: str, env_file: Optional[str]) -> list[tuple[str, Optional[int]]]:
    """Paths whose change makes this preloader stale, with their mtimes now.

    Every installed module file it imported (an editable install outside the project
    is edited in place), every import directory outside the project (pip adds and
    removes folders there), and the dotenv files it loaded.
    """
    paths = {os.path.join(root, name) for name in (".env", ".flaskenv")}
    if env_file:
        paths.add(os.path.join(root, env_file))
    for entry in sys.path:
        if entry and os.path.isdir(entry) and not is_project_file(os.path.join(entry, "x"), root):
            paths.add(os.path.abspath(entry))
    stdlib = os.path.realpath(sysconfig.get_path("stdlib")) + os.sep
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and os.path.isabs(file):
            real = os.path.realpath(file)
            if not real.startswith(stdlib) or "-packages" + os.sep in real:
                paths.add(file)
    return [(path, _mtime(path)) for path in sorted(paths)]


def _mtime(path: str) -> Optional[int]:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _reply(fd: int, message: Reply) -> None:
    data = encode(message)
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError:  # the supervisor is gone
        os._exit(0)


class _Loop:
    """Wait for fork requests and for forks that end; one thread, one select."""

    def __init__(self, request: socket.socket, reply: int, layer: bool = False) -> None:
        self.request = request
        self.reply = reply
        self.layer = layer  # a layer forks app processes only: its modules would go stale
        self.wake_r, self.wake_w = os.pipe()
        for fd in (self.wake_r, self.wake_w):
            os.set_blocking(fd, False)
        self.selector = selectors.DefaultSelector()
        self.buffer = b""
        self.fds: list[int] = []

    def run(self) -> None:
        signal.set_wakeup_fd(self.wake_w)
        # A handler (not SIG_DFL) so the wakeup fd gets the byte that ends select().
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        self.selector.register(self.request, selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)
        while True:
            for key, _ in self.selector.select():
                if key.fileobj is self.request and not self._receive():
                    return  # EOF: the supervisor closed us, or died
                if key.fileobj == self.wake_r:
                    self._reap()

    def _receive(self) -> bool:
        data, fds, _, _ = socket.recv_fds(self.request, 65536, 16)
        self.fds += fds
        self.buffer += data
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            request = decode_request(line.decode("utf-8", "replace"))
            count = _fd_count(request)
            fds, self.fds = self.fds[:count], self.fds[count:]
            self._fork(request, fds)
        if len(self.buffer) > MAX_REQUEST:
            return False
        return bool(data)

    def _fork(self, request: Union[Request, Malformed], fds: list[int]) -> None:
        """Fork an app process, or a layer; either way the fork is ours to reap."""
        try:
            if isinstance(request, Malformed):
                raise ValueError(request.describe())
            expected = _fd_count(request)
            if len(fds) != expected:
                raise ValueError(f"expected {expected} fds, got {len(fds)}")
            if isinstance(request, LayerRequest) and self.layer:
                raise ValueError("a layer forks no layer")
            sys.stdout.flush()
            sys.stderr.flush()
            parent = os.getpid()
            pid = os.fork()
        except (ValueError, OSError) as exc:
            _reply(self.reply, ForkFailed(error=f"{type(exc).__name__}: {exc}"))
        else:
            if pid == 0:
                if isinstance(request, LayerRequest):
                    become_layer(request, fds, self._own_fds(), parent)
                become_app(request, fds, self._own_fds())
            _reply(self.reply, Forked(pid=pid))
        for fd in fds:
            os.close(fd)  # only the fork holds them now

    def _own_fds(self) -> list[int]:
        # Any fds of a request not yet read too: a fork holding another app's event pipe
        # would hide that app's end from the supervisor.
        fds = [self.request.fileno(), self.reply, self.wake_r, self.wake_w, *self.fds]
        selector_fd = getattr(self.selector, "fileno", None)  # epoll / kqueue
        return [*fds, selector_fd()] if selector_fd is not None else fds

    def _reap(self) -> None:
        try:
            while os.read(self.wake_r, 512):
                pass
        except BlockingIOError:
            pass
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            _reply(self.reply, Exited(pid=pid, code=os.waitstatus_to_exitcode(status)))


def _fd_count(request: Union[Request, Malformed]) -> int:
    return len(LAYER_FDS if isinstance(request, LayerRequest) else FORK_FDS)


def become_layer(
    request: LayerRequest, fds: list[int], ours: Sequence[int], parent: int
) -> NoReturn:
    """In the fork: import the kept project modules, say so on the layer's own reply pipe,
    then fork app processes for the layer's own requests, as the preloader does. Its
    third-party pages stay shared with the preloader (copy-on-write). Never returns.

    No setsid(): it stays in the preloader's group and session, which no app shares (each
    app leads its own group, which the supervisor signals on stop)."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)  # before its fd closes: a SIGCHLD would write to it
        for fd in ours:
            os.close(fd)  # the preloader's socket above all: the supervisor must see its EOF
        request_socket, reply = socket.socket(fileno=fds[0]), fds[1]
        _die_with_supervisor(request_socket, parent)
        ready = _import_layer(request)
        _reply(reply, ready)
        if not ready.error:  # one that failed keeps nothing: it forks nothing either
            _Loop(request_socket, reply, layer=True).run()
        code = 0
    except BaseException as exc:
        frames.print_uncaught(exc)
    finally:
        _flush_and_exit(code)


def _import_layer(request: LayerRequest) -> LayerReady:
    from failsafe_flask.child import imports_layer

    root = os.environ.get(ENV_PROJECT_ROOT) or os.getcwd()  # before the app's environ
    sys.stdout.flush()
    ready = imports_layer.build(request, root)
    if not ready.error:
        _keep_pages_shared()  # the kept modules' pages, shared by every app it forks
    return ready


def become_app(request: ForkRequest, fds: list[int], ours: Sequence[int]) -> NoReturn:
    """In the fork: take the fds, the environment and a fresh state, then run the child
    exactly as ``python -m failsafe_flask.child ARGV`` runs it. Never returns."""
    code = 1
    try:
        os.setsid()  # its own group, which the supervisor signals on stop
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in ours:
            os.close(fd)  # above all the request socket: the supervisor must see our EOF
        _take_fds(fds, request.env)
        os.chdir(request.cwd)
        fresh_state(os.environ.get(ENV_PROJECT_ROOT) or request.cwd)
        sys.argv = ["", *request.argv]  # argv[0] is set by runpy, as -m does
        runpy.run_module("failsafe_flask.child", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException as exc:  # e.g. a KeyboardInterrupt raised by the app's import
        frames.print_uncaught(exc)
    finally:
        _flush_and_exit(code)


def _flush_and_exit(code: int) -> NoReturn:
    """A fork's end: what it printed reaches the pipes, and nothing of the preloader's
    runs (no atexit, no finalizers over inherited state)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _take_fds(fds: list[int], env: dict[str, str]) -> None:
    """stdin from /dev/null, stdout/stderr to the supervisor's pipes, the rest by env."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fds[3], 1)
    os.dup2(fds[4], 2)
    for fd in (devnull, fds[3], fds[4]):
        os.close(fd)
    environ = dict(env)
    for index, name in _FD_ENV.items():
        os.set_inheritable(fds[index], True)  # as pass_fds leaves them for a spawned child
        environ[name] = str(fds[index])
    os.environ.clear()
    os.environ.update(environ)


def fresh_state(root: str) -> None:
    random.seed()  # os.fork reseeds it too (register_at_fork); say it where it matters
    importlib.invalidate_caches()  # finders cached folder listings before the save
    linecache.clearcache()
    layer = sys.modules.get("failsafe_flask.child.imports_layer")  # only a layer has it
    forget_project_modules(root, getattr(layer, "KEPT", frozenset()))
    if layer is not None:
        layer.reopen_shells()


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    main()
