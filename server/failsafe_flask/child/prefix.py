"""Serve the app under a URL prefix, as behind a path proxy (browser-based VS Code).

code-server's ``/absproxy/<port>/`` forwards the full path: the app sees
``/absproxy/5000/about``. Moved from ``PATH_INFO`` to ``SCRIPT_NAME``, the prefix is what
Werkzeug and Flask take as the app's mount point, so ``url_for`` links, static files and
redirects stay under the proxy. A request without the prefix is served as it is: a proxy
that strips it (``/proxy/<port>/``) and a browser on the port itself both keep working.

This wrapper is the outermost one: live reload's reserved path is matched after the
prefix is moved, and its script names the event stream under ``SCRIPT_NAME``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def split(path: str, prefix: str) -> Optional[str]:
    """The rest of ``path`` under ``prefix`` (``/x`` of ``/pre/x``); None if not under it."""
    if not prefix:
        return None
    if path == prefix:
        return "/"  # the prefix alone is the app's root, as flask run serves "" as "/"
    if path.startswith(prefix + "/"):
        return path[len(prefix) :]
    return None


class UrlPrefix:
    """The WSGI wrapper; ``prefix`` is checked (``validate.url_prefix``), without ``/`` last."""

    def __init__(self, app: WSGIApplication, prefix: str) -> None:
        self._app = app
        self._prefix = prefix

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        rest = split(environ.get("PATH_INFO", ""), self._prefix)
        if rest is not None:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self._prefix
            environ["PATH_INFO"] = rest
        return self._app(environ, start_response)
