"""Which traceback frames the user is shown: never the tool's own, never the launch.

The app process runs the user's code under Failsafe Flask's loader, Flask's CLI loader
and importlib; none of that is the user's story, and a frame of ``failsafe_flask``
read in the editor looks like a bug of the user's. One rule, applied where the app
process describes an exception (``exceptions.py``) and where it prints one (the error
page's text), so every consumer (diagnostics, terminal, browser) gets the same frames.

Standard library only (runs in the user's interpreter, Python 3.9+).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Optional

from failsafe_flask.child.paths import is_pseudo_file

# The installed failsafe_flask package (this file is failsafe_flask/child/frames.py).
OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Files that only start the user's code: Flask's CLI loader, importlib and runpy.
_LAUNCH_SUFFIXES = ("/flask/cli.py", "/runpy.py")
_LAUNCH_PSEUDO = ("<frozen importlib", "<frozen runpy")


def is_own_file(path: str) -> bool:
    """A file of the failsafe_flask package itself."""
    if is_pseudo_file(path) or not os.path.isabs(path):
        return False
    return os.path.abspath(path).startswith(OWN_DIR + os.sep)


def is_launch_file(path: str) -> bool:
    if is_pseudo_file(path):
        return path.startswith(_LAUNCH_PSEUDO)
    return path.replace(os.sep, "/").endswith(_LAUNCH_SUFFIXES)


def visible(summaries: list[traceback.FrameSummary]) -> list[traceback.FrameSummary]:
    """``summaries`` (outermost first) without our frames and the launch frames above
    the user's code. A SyntaxError raised by the import keeps no frame at all: its
    own line is carried apart (``SyntaxError.filename``/``lineno``)."""
    kept = [summary for summary in summaries if not is_own_file(summary.filename)]
    start = 0
    while start < len(kept) and is_launch_file(kept[start].filename):
        start += 1
    return kept[start:]


def traceback_text(exc: BaseException) -> str:
    """``exc`` printed as Python prints it (carets, notes, chains), with ``visible``
    frames only: the text the error page shows."""
    shown = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    _trim(shown, set())
    return "".join(shown.format())


def _trim(shown: Optional[traceback.TracebackException], seen: set[int]) -> None:
    if shown is None or id(shown) in seen:
        return
    seen.add(id(shown))
    shown.stack = traceback.StackSummary.from_list(visible(list(shown.stack)))
    _trim(shown.__cause__, seen)
    _trim(shown.__context__, seen)
    for member in getattr(shown, "exceptions", None) or ():  # an ExceptionGroup's (3.11+)
        _trim(member, seen)


def print_uncaught(exc: BaseException) -> None:
    """Print an exception that ends the app process, as the interpreter would, with the
    ``visible`` frames: the supervisor shows these lines on its 503 page. Raised by our
    own code, it is a bug of ours, printed whole so that it can be reported."""
    summaries = traceback.extract_tb(exc.__traceback__)
    if summaries and is_own_file(summaries[-1].filename):
        sys.stderr.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    else:
        sys.stderr.write(traceback_text(exc))
