"""The script a page gets: it follows the app process's event stream. Pure.

``hello`` carries the generation of the process that answers: one that differs from the
page's means the app was replaced since the page was served, so the page reloads; so
does a count of template and stylesheet saves that differs (one was told while the page
loaded, before its stream was open). The stream ends when its process is told to stop;
the browser reconnects (``retry``) and the connection waits in the supervisor's socket
for the next process. An answer that is no stream (the supervisor's 503 page while
nothing serves) ends the EventSource for good, so the script opens a new one a little
later.
"""

from __future__ import annotations

import html
import json
from typing import Optional

# Never reaches the app's routes. Spelled with a hyphen: "failsafe_flask" in a page would
# read as one of our own frames on the error pages.
RESERVED = "/__failsafe-flask__"
EVENTS_PATH = RESERVED + "/events"
RETRY_MS = 50  # the browser's wait before it reconnects to a stream that ended
REOPEN_MS = 250  # ... and before a new EventSource, once one has failed for good

_SCRIPT = """<script%(nonce)s>(function () {
  var url = %(url)s, generation = %(generation)s, saves = %(saves)d;
  function swap(names) {
    var links = [].slice.call(document.querySelectorAll('link[rel~="stylesheet"][href]'));
    var named = links.filter(function (link) {
      var path = new URL(link.href, location.href).pathname;
      return names.some(function (name) { return path.slice(-name.length - 1) === "/" + name; });
    });
    (named.length ? named : links).forEach(function (link) {
      var fresh = link.cloneNode(), href = new URL(link.href, location.href);
      href.searchParams.set("failsafe-flask", String(Date.now()));
      fresh.href = href.href;
      fresh.onload = fresh.onerror = function () { link.remove(); };
      link.after(fresh);
    });
  }
  function connect() {
    var source = new EventSource(url);
    source.addEventListener("hello", function (e) {
      var now = JSON.parse(e.data);
      if (now.generation !== generation || now.saves !== saves) { location.reload(); }
    });
    source.addEventListener("reload", function () { location.reload(); });
    source.addEventListener("styles", function (e) {
      var told = JSON.parse(e.data);
      saves = told.saves;
      swap(told.names);
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) { setTimeout(connect, %(reopen)d); }
    };
  }
  connect();
})();</script>"""


def events_url(script_name: str) -> str:
    """The stream's path under the prefix the page itself was served under."""
    return script_name.rstrip("/") + EVENTS_PATH


def render(script_name: str, generation: str, nonce: Optional[str], saves: int = 0) -> str:
    """The ``<script>`` element; ASCII only, so it fits a page in any ASCII-based charset.

    ``saves``: the template and stylesheet saves told before the page was served."""
    return _SCRIPT % {
        "nonce": f' nonce="{html.escape(nonce)}"' if nonce else "",
        "url": _js(events_url(script_name)),
        "generation": _js(generation),
        "saves": saves,
        "reopen": REOPEN_MS,
    }


def _js(text: str) -> str:
    # JSON is JavaScript; ASCII-only and "<" escaped keep it inert inside <script>.
    return json.dumps(text, ensure_ascii=True).replace("<", "\\u003c")
