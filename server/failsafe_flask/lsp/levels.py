"""The level each line of an app's output is logged at. Pure.

An editor's log filters and colours by level: a traceback is an error, and so is a line
the app logged as one (Flask's ``[date] ERROR in app: Exception on / [GET]``); request
lines and prints are info. Lines come one at a time, so a traceback is followed per
stream, from its ``Traceback`` line to the exception line that ends it.
"""

from __future__ import annotations

import re

from lsprotocol import types as lsp

TRACEBACK = "Traceback (most recent call last):"
CHAINED = (
    "During handling of the above exception",
    "The above exception was the direct cause",
)
# logging's default format in Flask: "[%(asctime)s] %(levelname)s in %(module)s: ..."
LOGGED = re.compile(r"\[[^\]]*\] (CRITICAL|ERROR|WARNING) in \S+: ")


class OutputLevels:
    def __init__(self) -> None:
        self._in_traceback: set[str] = set()  # streams in the middle of one

    def level(self, stream: str, line: str) -> lsp.MessageType:
        if line.startswith(TRACEBACK) or line.startswith(CHAINED):
            self._in_traceback.add(stream)
            return lsp.MessageType.Error
        if stream in self._in_traceback:
            if not line.startswith((" ", "\t")):
                self._in_traceback.discard(stream)  # "ValueError: ...": the last line
            return lsp.MessageType.Error
        logged = LOGGED.match(line)
        if logged is None:
            return lsp.MessageType.Info
        return lsp.MessageType.Warning if logged[1] == "WARNING" else lsp.MessageType.Error
