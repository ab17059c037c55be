"""Live reload in the app process: a WSGI middleware around the user's app (debug mode).

It answers the event stream under a reserved path (``livereload_script.RESERVED``) that
never reaches the app's routes, and puts the script into every full HTML document it
passes (``livereload_inject`` decides). The supervisor's commands arrive on the lifeline
(``lifeline.py``) and go to every open stream through the ``Hub``.
"""

from __future__ import annotations

import json
import queue
import secrets
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Optional

from failsafe_flask.child import livereload_inject as inject
from failsafe_flask.child import livereload_script as script
from failsafe_flask.protocol import Command, ReloadPage

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

KEEPALIVE = 15.0  # seconds between comments on an idle stream: a closed tab is noticed
WHOLE_KEY = "failsafe_flask.whole"  # False once the app sent a file (wsgi.file_wrapper)
SAVES_KEY = "failsafe_flask.saves"  # Hub.saves() when the request arrived
# no-transform: a proxy that compresses (code-server's) would otherwise buffer the stream
# and no event would reach the page; X-Accel-Buffering says the same to nginx.
_STREAM_HEADERS = [
    ("Content-Type", "text/event-stream; charset=utf-8"),
    ("Cache-Control", "no-cache, no-transform"),
    ("X-Accel-Buffering", "no"),
]


class Hub:
    """The open event streams of this process; safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: set[queue.SimpleQueue[Optional[bytes]]] = set()
        self._closed = False
        # Template and stylesheet saves told so far. A page carries the count it was served
        # at and hello the current one: a save told between the two (the page was loading,
        # its stream not yet open) is not lost, the page reloads.
        self._saves = 0

    def subscribe(self) -> queue.SimpleQueue[Optional[bytes]]:
        stream: queue.SimpleQueue[Optional[bytes]] = queue.SimpleQueue()
        with self._lock:
            if self._closed:
                stream.put(None)
            self._streams.add(stream)
        return stream

    def unsubscribe(self, stream: queue.SimpleQueue[Optional[bytes]]) -> None:
        with self._lock:
            self._streams.discard(stream)

    def publish(self, command: Command) -> None:
        with self._lock:
            self._saves += 1
            saves = self._saves
        if isinstance(command, ReloadPage):
            message = _event("reload", {"saves": saves})
        else:
            message = _event("styles", {"names": command.names, "saves": saves})
        self._put(message)

    def saves(self) -> int:
        with self._lock:
            return self._saves

    def close(self) -> None:
        """End every stream: this process stops, its pages reconnect to the next one."""
        with self._lock:
            self._closed = True
        self._put(None)

    def _put(self, item: Optional[bytes]) -> None:
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            stream.put(item)


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def note_files(environ: WSGIEnvironment) -> None:
    """Have ``send_file`` (Werkzeug's ``wrap_file``) say that the body is a file.

    The debugger's own generator hides the app's body from this middleware; a wrapper
    function around the app would do, but debuggers (debugpy, justMyCode) count our
    frames as the user's and stop in them when a view's exception passes through.
    """
    from werkzeug.wsgi import FileWrapper

    wrapper = environ.get("wsgi.file_wrapper", FileWrapper)

    def noting(file: Any, buffer_size: int = 8192) -> Any:
        environ[WHOLE_KEY] = False
        return wrapper(file, buffer_size)

    environ["wsgi.file_wrapper"] = noting


class LiveReload:
    """The middleware; ``generation`` names this app process to the pages it serves."""

    def __init__(self, app: WSGIApplication, hub: Hub, generation: str) -> None:
        self._app = app
        self._hub = hub
        self._generation = generation
        self._told: set[str] = set()  # paths whose skipped script was already said

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == script.RESERVED or path.startswith(script.RESERVED + "/"):
            return self._reserved(path, start_response)
        environ[SAVES_KEY] = self._hub.saves()  # before the app reads its templates
        note_files(environ)
        return _Injection(self, environ, start_response).run()

    def _reserved(self, path: str, start_response: StartResponse) -> Iterable[bytes]:
        if path != script.EVENTS_PATH:
            start_response(
                "404 NOT FOUND", [("Content-Type", "text/plain"), ("Content-Length", "9")]
            )
            return [b"not found"]
        start_response("200 OK", list(_STREAM_HEADERS))
        return self._stream()

    def _stream(self) -> Iterator[bytes]:
        stream = self._hub.subscribe()
        # After subscribing: a later save comes as an event, an earlier one differs here.
        hello = json.dumps({"generation": self._generation, "saves": self._hub.saves()})
        try:
            yield f"retry: {script.RETRY_MS}\nevent: hello\ndata: {hello}\n\n".encode()
            while True:
                try:
                    item = stream.get(timeout=KEEPALIVE)
                except queue.Empty:
                    yield b": keep-alive\n\n"
                    continue
                if item is None:
                    return
                yield item
        finally:
            self._hub.unsubscribe(stream)

    def script_for(self, environ: WSGIEnvironment, nonce: Optional[str]) -> str:
        saves = int(environ.get(SAVES_KEY, 0))
        return script.render(environ.get("SCRIPT_NAME", ""), self._generation, nonce, saves)

    def tell(self, environ: WSGIEnvironment, reason: str) -> None:
        """One line, once per path, for a page left without the script."""
        path = str(environ.get("PATH_INFO", ""))[:200]
        if path in self._told or len(self._told) > 1000:
            return
        self._told.add(path)
        shown = json.dumps(path)  # escaped: a path is text from a request
        sys.stderr.write(
            f" * Live reload left out of {shown}: in its Content-Security-Policy, {reason}\n"
        )


class _Injection:
    """One response through the middleware: held back until its headers and first chunk
    say whether it is a document to inject into, then passed on or rewritten."""

    def __init__(
        self, owner: LiveReload, environ: WSGIEnvironment, start_response: StartResponse
    ) -> None:
        self._owner = owner
        self._environ = environ
        self._start_response = start_response
        self._started: Optional[tuple[str, list[tuple[str, str]], Any]] = None
        self._sent = False

    def run(self) -> Iterable[bytes]:
        body = self._owner._app(self._environ, self._capture)
        iterator = iter(body)
        try:
            first = next(iterator, None)
        except BaseException:
            _close(body)
            raise
        if self._started is None or self._sent or self._skip() is not None:
            if self._started is not None:
                self._send()
            return _chained(first, iterator, body)
        rest = [first or b"", *iterator]
        _close(body)
        return self._rewritten(b"".join(rest))

    def _capture(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self._started = (status, headers, exc_info)
        if self._sent:  # a second call after an error: pass it straight on
            return self._start_response(status, headers, exc_info)
        return self._write

    def _write(self, data: bytes) -> None:
        # The legacy write(): the response is going out now, untouched.
        writer = self._send()
        writer(data)

    def _send(self, headers: Optional[list[tuple[str, str]]] = None) -> Any:
        assert self._started is not None
        status, original, exc_info = self._started
        if self._sent:
            return lambda data: None
        self._sent = True
        return self._start_response(status, headers if headers is not None else original, exc_info)

    def _skip(self) -> Optional[inject.Skip]:
        assert self._started is not None
        status, headers, _ = self._started
        code = int(status.split(None, 1)[0]) if status[:3].isdigit() else 0
        whole = bool(self._environ.get(WHOLE_KEY, True))
        return inject.candidate(self._environ.get("REQUEST_METHOD", "GET"), code, headers, whole)

    def _rewritten(self, body: bytes) -> Iterable[bytes]:
        assert self._started is not None
        headers = list(self._started[1])
        nonce = secrets.token_urlsafe(16)
        policies = [value for key, value in headers if key.lower() == inject.CSP]
        rewritten = [inject.with_nonce(policy, nonce) for policy in policies]
        skipped = next((r for r in rewritten if isinstance(r, inject.Skip)), None)
        page = (
            None
            if skipped
            else inject.insert_script(
                body, self._owner.script_for(self._environ, nonce if policies else None)
            )
        )
        if skipped is not None:
            self._owner.tell(self._environ, skipped.reason)
        if page is None:
            self._send()
            return [body]
        policy_values = iter(rewritten)
        headers = [
            (key, str(next(policy_values)) if key.lower() == inject.CSP else value)
            for key, value in headers
            if key.lower() != "content-length"
        ]
        headers.append(("Content-Length", str(len(page))))
        self._send(headers)
        return [page]


def _chained(
    first: Optional[bytes], rest: Iterator[bytes], body: Iterable[bytes]
) -> Iterator[bytes]:
    try:
        if first is not None:
            yield first
        yield from rest
    finally:
        _close(body)


def _close(body: Iterable[bytes]) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()
