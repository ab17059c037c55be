"""The language server's own log: stderr, which editors show as they see fit (Neovim logs
every line of it at ERROR level, VS Code puts it in the output channel).

So by default only warnings and worse reach it; a client that asks for a trace
(``trace`` in initialize, ``$/setTrace``) gets our INFO lines too, and pygls's
message-by-message log with ``verbose``. Two kinds of record are noise whatever the
level: the traceback pygls logs for a request answered with an error we raised on
purpose (a taken port: the answer tells it), and pygls's complaint about the
incremental changes some clients (eglot) send although we asked for no text sync.
"""

from __future__ import annotations

import logging
import sys
from typing import Optional

from pygls.exceptions import JsonRpcException

FORMAT = "%(asctime)s %(name)s: %(message)s"
TRACING = frozenset({"messages", "verbose"})
UNWANTED_CHANGES = "Unsupported client-provided TextDocumentContentChangeEvent"


def configure() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_worth_telling)  # on the handler: sees every logger's records
    logging.basicConfig(handlers=[handler], level=logging.WARNING, force=True)
    set_trace(None)


def set_trace(trace: Optional[str]) -> None:
    """``off`` (or none), ``messages`` or ``verbose``: how much reaches stderr."""
    logging.getLogger().setLevel(logging.INFO if trace in TRACING else logging.WARNING)
    # pygls logs every message it sends at INFO: only for those who asked for all.
    logging.getLogger("pygls").setLevel(logging.INFO if trace == "verbose" else logging.WARNING)


def _worth_telling(record: logging.LogRecord) -> bool:
    if record.exc_info and isinstance(record.exc_info[1], JsonRpcException):
        return False  # a request answered with our error: the answer is the report
    return not record.getMessage().startswith(UNWANTED_CHANGES)
