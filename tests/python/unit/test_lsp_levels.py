"""The level of each line of an app's output: tracebacks and logged errors stand out,
request lines and prints do not; a traceback is followed per stream."""

from __future__ import annotations

from lsprotocol.types import MessageType

from failsafe_flask.lsp.levels import OutputLevels

ERROR, WARNING, INFO = MessageType.Error, MessageType.Warning, MessageType.Info

CHAINED = [
    ("[2026-12-04 17:00:00,000] ERROR in app: Exception on /boom [GET]", ERROR),
    ("Traceback (most recent call last):", ERROR),
    ('  File "/p/app.py", line 12, in boom', ERROR),
    ("    int(value)", ERROR),
    ("ValueError: invalid literal for int() with base 10: 'x'", ERROR),
    ("", INFO),
    ("During handling of the above exception, another exception occurred:", ERROR),
    ("", ERROR),
    ("Traceback (most recent call last):", ERROR),
    ('  File "/p/app.py", line 14, in boom', ERROR),
    ("KeyError: 'y'", ERROR),
    ('127.0.0.1 - - [04/Dec/2026 17:00:00] "GET /boom HTTP/1.1" 500 -', INFO),
    ("[2026-12-04 17:00:01,000] WARNING in views: slow", WARNING),
    ("  indented print, no traceback", INFO),
]


def test_a_chained_traceback_is_error_to_its_last_line_and_the_request_line_info() -> None:
    levels = OutputLevels()
    assert [(line, levels.level("stderr", line)) for line, _ in CHAINED] == CHAINED


def test_each_stream_is_followed_on_its_own() -> None:
    levels = OutputLevels()
    assert levels.level("stderr", "Traceback (most recent call last):") == ERROR
    assert levels.level("stdout", "  a print between") == INFO
    assert levels.level("stderr", '  File "x.py", line 1') == ERROR
    assert levels.level("stdout", "ValueError: printed, not raised") == INFO
