"""Serve a WSGI app on the inherited socket, and leave without dropping a request.

This is what ``werkzeug.serving.run_simple`` does under its reloader (debugger, then
``make_server`` on ``WERKZEUG_SERVER_FD``), plus one thing it lacks: on SIGTERM the
server stops accepting, finishes the requests it has, and exits. The supervisor has
already started the next app process on the same socket, so a request that arrives
meanwhile waits in the backlog instead of being reset.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Optional

from failsafe_flask.protocol import ENV_SERVER_FD

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.serving import BaseWSGIServer


def serve(app: WSGIApplication, host: str, port: int, debug: bool) -> None:
    from werkzeug.serving import make_server

    if debug:
        from werkzeug.debug import DebuggedApplication

        # Logs " * Debugger PIN: ..." itself (WERKZEUG_RUN_MAIN is set); the PIN stays on.
        debugged = DebuggedApplication(app, evalex=True)
        debugged.trusted_hosts.append(host)
        app = debugged
    fd = int(os.environ[ENV_SERVER_FD]) if ENV_SERVER_FD in os.environ else None
    server = make_server(host, port, app, threaded=True, fd=fd)
    _leave_gracefully_on_sigterm(server)
    server.serve_forever()
    # Joins the request threads still running (socketserver's block_on_close); the
    # supervisor's SIGKILL after its grace period bounds this.
    server.server_close()
    sys.stdout.flush()
    sys.stderr.flush()
    # User threads (schedulers, pools) must not keep a retired app alive.
    os._exit(0)


def _leave_gracefully_on_sigterm(server: BaseWSGIServer) -> None:
    def on_term(signum: int, frame: Optional[FrameType]) -> None:
        # shutdown() waits for serve_forever() to return, which runs in this very
        # thread: it has to be called from another one.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
