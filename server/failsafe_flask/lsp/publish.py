"""textDocument/publishDiagnostics, tracked per app.

The client holds one list per file; several apps may put diagnostics on the same file (a
shared module). So each app's diagnostics are kept apart, a file's list is the union over
the apps, and an app's publish only ever touches the files it had or has: one app's
"nothing wrong" never clears another app's squiggles.
"""

from __future__ import annotations

from typing import Callable

from lsprotocol import types as lsp

from .. import diagnostics as diag

Send = Callable[[str, list[lsp.Diagnostic]], None]  # (file path, its whole list)


class DiagnosticsPublisher:
    def __init__(self, send: Send) -> None:
        self._send = send
        self._by_app: dict[str, diag.DiagnosticMap] = {}
        self._sent: dict[str, list[lsp.Diagnostic]] = {}  # by file: what the client shows

    def shown(self, app: str) -> diag.DiagnosticMap:
        """What ``app`` has on the client now, by file (a copy)."""
        return {path: list(items) for path, items in self._by_app.get(app, {}).items()}

    def publish(self, app: str, mapping: diag.DiagnosticMap) -> None:
        """Make ``mapping`` all of ``app``'s diagnostics: its other files lose theirs."""
        before = self._by_app.pop(app, {})
        if mapping:
            self._by_app[app] = {path: list(items) for path, items in mapping.items()}
        for path in sorted(set(before) | set(mapping)):
            self._refresh(path)

    def add(self, app: str, found: diag.DiagnosticMap) -> None:
        """Add to what ``app`` shows (a request error does not hide the others)."""
        self.publish(app, diag.merge(self._by_app.get(app, {}), found))

    def clear(self, app: str) -> None:
        self.publish(app, {})

    def _refresh(self, path: str) -> None:
        items = [d for app in sorted(self._by_app) for d in self._by_app[app].get(path, [])]
        if self._sent.get(path, []) == items:  # only non-empty lists are kept in _sent
            return
        self._send(path, items)
        if items:
            self._sent[path] = items
        else:
            self._sent.pop(path, None)
