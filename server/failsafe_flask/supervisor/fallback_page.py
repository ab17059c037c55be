"""The supervisor's own answer while no app process can give one: a 503 page. Pure.

It marks itself as the app's error page does (``child/errorpage.py``) and carries the
same polling script, so an open tab reloads by itself as soon as anything else answers:
the app (no marker), its load-error page or a later outage (another error id).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from ..child.errorpage import ERROR_ID_HEADER, MARKER_HEADER, poll_script

MARKER_VALUE = "app-down"
TITLE = "Failsafe Flask: the app is not running"
MAX_HEAD = 16 * 1024  # a request head longer than this is not read further
_POLL_MARK = b"\nx-failsafe-flask-poll:"  # the page's own poll (errorpage.POLL_HEADER)
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.3em;color:#b00020}pre{background:#f6f6f6;padding:1em;overflow:auto}"
    "p.note{color:#666}"
)


@dataclass(frozen=True)
class Outage:
    """Why no app process answers, as the page tells it."""

    sentence: str  # one sentence: what happened
    stderr: tuple[str, ...] = ()  # the last lines the app wrote on stderr
    error_id: str = "0"  # another outage, another id: an open page reloads to show it


def render_page(outage: Outage) -> str:
    """The HTML; every piece of text from the app is escaped."""
    tail = "\n".join(outage.stderr)
    shown = (
        f"<p>The last lines the app wrote on stderr:</p><pre>{html.escape(tail)}</pre>"
        if tail.strip()
        else "<p>The app wrote nothing on stderr.</p>"
    )
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(TITLE)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(TITLE)}</h1>"
        f"<pre>{html.escape(outage.sentence)}</pre>{shown}"
        "<p class='note'>This page reloads by itself once the app is back.</p>"
        f"{poll_script(outage.error_id)}</body></html>\n"
    )


def http_response(outage: Outage, head: bytes) -> bytes:
    """The whole HTTP/1.1 answer to the request whose head is ``head``.

    A poll from an open page gets the headers it checks and a short body; HEAD gets
    the headers alone. The connection is closed after every answer.
    """
    lowered = head.lower()
    if _POLL_MARK in lowered:
        body = b"<!doctype html><title>still down</title>\n"
    else:
        body = render_page(outage).encode("utf-8", "replace")
    headers = [
        "HTTP/1.1 503 Service Unavailable",
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "Retry-After: 1",
        f"{MARKER_HEADER}: {MARKER_VALUE}",
        f"{ERROR_ID_HEADER}: {_header_safe(outage.error_id)}",
        "Connection: close",
    ]
    start = ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1", "replace")
    return start if lowered.startswith(b"head ") else start + body


def head_complete(received: bytes) -> bool:
    """Enough of the request is in to answer: its head ended, or it is too long to wait."""
    return b"\r\n\r\n" in received or b"\n\n" in received or len(received) >= MAX_HEAD


def _header_safe(text: str) -> str:
    return "".join(c for c in text if " " <= c <= "~")


def tail_lines(lines: Iterable[str], count: int = 20) -> tuple[str, ...]:
    return tuple(lines)[-count:]
