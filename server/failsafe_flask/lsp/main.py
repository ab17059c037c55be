"""``failsafe-flask lsp``: the process around the language server, on stdio."""

from __future__ import annotations

import logging
import os
import sys
from typing import BinaryIO

from . import logs
from .handlers import create_server


def _claim_stdout() -> BinaryIO:
    """Keep fd 1 for the protocol alone: stray prints and child processes get stderr."""
    protocol_fd = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb")


def main() -> None:
    """``failsafe-flask lsp``: serve LSP on stdio until the client exits."""
    logs.configure()
    protocol_out = _claim_stdout()
    code = create_server().serve(sys.stdin.buffer, protocol_out)
    logging.shutdown()
    # os._exit: the stdin reader thread may still block on a read that never ends
    # (SIGTERM with the pipe open), and joining it at interpreter exit would hang.
    sys.stderr.flush()
    os._exit(code)
