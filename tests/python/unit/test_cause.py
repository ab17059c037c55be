"""The sentence for each way the app stops answering, and the 503 page built from it."""

from __future__ import annotations

from failsafe_flask.child.watchdog import stuck_error
from failsafe_flask.supervisor import cause
from failsafe_flask.supervisor.fallback_page import Outage, http_response, render_page

ACCESS = '127.0.0.1 - - [04/Dec/2026 16:31:42] "GET / HTTP/1.1" 200 -'
TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "app.py", line 3, in <module>',
    "    connect()",
    "ValueError: no database",
    ACCESS,
]


def test_the_explanation_is_never_an_access_log_or_a_server_note() -> None:
    assert cause.explanation([ACCESS, " * Debugger PIN: 123-456-789", ""]) is None
    assert cause.explanation(["disk full", ACCESS]) == "disk full"


def test_the_explanation_is_the_end_of_the_last_traceback_or_a_fatal_line() -> None:
    assert cause.explanation(TRACEBACK) == "ValueError: no database"
    fatal = ["Fatal Python error: Segmentation fault", "", "Current thread 0x1 (most recent"]
    assert cause.explanation([*fatal, '  File "app.py", line 2']) == fatal[0]


def test_exit_sentences_name_the_signal_the_request_or_the_load() -> None:
    assert cause.exit_sentence(-11, []) == (
        "The app process was killed by SIGSEGV (a crash in native code)"
    )
    served = cause.exit_sentence(1, [ACCESS], ["GET /", "GET /crash"])
    assert served == "The app process exited with code 1 while serving GET /crash"
    loading = cause.exit_sentence(3, TRACEBACK, loading=True)
    assert (
        loading
        == "The app process exited with code 3 while loading the app: ValueError: no database"
    )


def test_one_full_stop_whatever_the_text_ends_with() -> None:
    assert cause.sentence("exited with code 3") == "exited with code 3."
    assert cause.sentence("it said: bye.") == "it said: bye."


def test_a_request_is_printable_whatever_it_holds() -> None:
    text = cause.request_text("GET", "/\x1b[31mred\n")
    assert text == "GET /\\x1b[31mred\\x0a"


def test_launch_failures_say_what_is_missing() -> None:
    gone = FileNotFoundError(2, "No such file or directory", "/venv/bin/python")
    assert cause.launch_failure(gone, "/venv/bin/python", "/p", True) == (
        "Cannot run /venv/bin/python: no such file"
    )
    assert cause.launch_failure(gone, "/venv/bin/python", "/p", False) == (
        "The project folder /p does not exist"
    )
    assert cause.launch_failure(RuntimeError("boom\nmore"), "py", "/p", True) == (
        "Cannot start the app process: RuntimeError: boom"
    )


def test_the_env_setting_problems_are_named() -> None:
    assert cause.env_problem({"A": "1"}) is None
    assert cause.env_problem({"A=B": "1"}) == "The env setting has an invalid variable name 'A=B'"
    assert cause.env_problem({"T": "a\0"}) == "The env setting T holds a NUL character"


def test_the_watchdogs_report_is_recognised_as_a_stuck_load() -> None:
    assert cause.is_stuck_load(stuck_error(30, []))
    other = dict(stuck_error(30, []), message="timed out")
    assert not cause.is_stuck_load(other)  # type: ignore[arg-type]


def test_the_page_escapes_the_apps_text_and_polls_like_the_error_page() -> None:
    outage = Outage("The app process exited with code 3.", ("<script>x</script>",), "down-4")
    page = render_page(outage)
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert '"X-Failsafe-Flask-Poll": "1"' in page and '"down-4"' in page
    answer = http_response(outage, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert b"\r\nConnection: close" in head and b"\r\nX-Failsafe-Flask-Error: down-4" in head
    assert f"Content-Length: {len(body)}".encode() in head
    poll = http_response(outage, b"GET / HTTP/1.1\r\nX-Failsafe-Flask-Poll: 1\r\n\r\n")
    assert b"exited" not in poll
    assert http_response(outage, b"HEAD / HTTP/1.1\r\n\r\n").endswith(b"\r\n\r\n")
