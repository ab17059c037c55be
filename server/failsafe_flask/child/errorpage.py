"""The page served instead of the app while it fails to load.

A plain WSGI callable (no Flask: Flask itself may be what is broken). Every request gets
500 and the traceback; the page polls its own URL and reloads once the answer no longer
comes from this error page, or comes from a newer one.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MARKER_HEADER = "X-Failsafe-Flask"
MARKER_VALUE = "load-error"
ERROR_ID_HEADER = "X-Failsafe-Flask-Error"  # changes with every app process
POLL_HEADER = "X-Failsafe-Flask-Poll"
TITLE = "Failsafe Flask: app failed to load"

_POLL_SCRIPT = """<script>
(function () {
  var errorId = %s;
  function check() {
    fetch(window.location.href, {headers: {"%s": "1"}, cache: "no-store"})
      .then(function (r) {
        if (!r.headers.has("%s") || r.headers.get("%s") !== errorId) {
          window.location.reload();
        } else {
          setTimeout(check, 1000);
        }
      })
      .catch(function () { setTimeout(check, 1000); });  // restarting: try again
  }
  setTimeout(check, 1000);
})();
</script>"""

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.3em;color:#b00020}pre{background:#f6f6f6;padding:1em;overflow:auto}"
    "p.note{color:#666}"
)


def render_page(type_name: str, message: str, traceback_text: str, error_id: str) -> str:
    """The HTML of the error page; every piece of the error is escaped."""
    script = poll_script(error_id)
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(TITLE)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(TITLE)}</h1>"
        f"<pre>{html.escape(type_name)}: {html.escape(message)}</pre>"
        f"<pre>{html.escape(traceback_text)}</pre>"
        "<p class='note'>This page reloads by itself once the app loads again.</p>"
        f"{script}</body></html>\n"
    )


def poll_script(error_id: str) -> str:
    """Reloads the page once an answer lacks the marker or carries another error id.

    The supervisor's own 503 page uses it too: any page that marks itself this way is
    replaced by the real one as soon as something else answers.
    """
    return _POLL_SCRIPT % (_js_string(error_id), POLL_HEADER, MARKER_HEADER, ERROR_ID_HEADER)


def _js_string(text: str) -> str:
    # JSON is valid JavaScript; escaping "<" keeps "</script>" inside it harmless.
    return json.dumps(text).replace("<", "\\u003c")


def error_app(page: str, error_id: str) -> WSGIApplication:
    """A WSGI app answering every request with 500 and ``page``."""
    body = page.encode("utf-8")
    poll_body = b"<!doctype html><title>still failing</title>\n"

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # A poll only needs the headers; don't resend the whole traceback every second.
        payload = poll_body if environ.get("HTTP_X_FAILSAFE_FLASK_POLL") else body
        start_response(
            "500 INTERNAL SERVER ERROR",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(payload))),
                ("Cache-Control", "no-store"),
                (MARKER_HEADER, MARKER_VALUE),
                (ERROR_ID_HEADER, error_id),
            ],
        )
        return [payload]

    return app
