"""Text from the app or a request, made safe to show. Pure.

Anything a web page can put in a request (a path, a header) can end up in an exception
message or in the app's output. Shown raw, an ESC sequence retitles or clears the user's
terminal, a CR or LF starts a line that looks like the tool's own, and a bidi override
makes a line read otherwise than it is. ``printable`` writes each such character as a
visible escape instead, and every front end passes such text through it before showing it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# C0 controls but TAB (it only moves right: tracebacks and tables use it, nothing is
# hidden or forged by it), DEL, C1 controls (NEL is a line break to some terminals), the
# Unicode line and paragraph separators, and the bidi marks, embeddings, overrides and
# isolates (the "Trojan Source" set).
_UNSAFE = [
    *(c for c in range(0x20) if c != 0x09),
    *range(0x7F, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]
_NAMED = {0x0A: "\\n", 0x0D: "\\r"}


def _escape(code: int) -> str:
    return _NAMED.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


_ESCAPES = {code: _escape(code) for code in _UNSAFE}
_ESCAPES_BUT_LF = {code: text for code, text in _ESCAPES.items() if code != 0x0A}
# Select Graphic Rendition: colours and weights, as Werkzeug puts on its request lines.
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def printable(text: str, newlines: bool = False) -> str:
    """``text`` with every control character escaped (``\\x1b``, ``\\n``, ``\\u202e``).

    ``newlines=True`` keeps LF, for a place that shows one message as a block of its own
    (an editor's diagnostic), where a new line cannot pass for another message.
    """
    return text.translate(_ESCAPES_BUT_LF if newlines else _ESCAPES)


def printable_lines(lines: Iterable[str]) -> str:
    """Lines the tool composed, joined by LF: only the joins are line breaks."""
    return "\n".join(printable(line) for line in lines)


def output_line(line: str) -> str:
    """One line of the app's output: colours dropped (escaped they would clutter every
    request line Werkzeug logs, and no editor log shows them), the rest escaped."""
    return printable(_SGR.sub("", line))
