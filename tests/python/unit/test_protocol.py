"""The channels' one decoder: what a writer sends comes back typed; anything else is a
``Malformed`` value, never an exception."""

from __future__ import annotations

import json

import pytest

from failsafe_flask import protocol
from failsafe_flask.child.events import encode_event
from failsafe_flask.protocol import (
    SHOWN_CHARS,
    ExceptionInfo,
    Exited,
    Forked,
    ForkFailed,
    ForkRequest,
    LoadError,
    Loading,
    Malformed,
    PreloadReady,
    Ready,
    RequestError,
    decode_event,
    decode_reply,
    decode_request,
    encode,
    to_wire,
)

FRAME = {"file": "/p/app.py", "line": 3, "end_line": 3, "col": 4, "end_col": 9,
         "function": "<module>", "text": "    boom()", "project": True}  # fmt: skip
CAUSE: ExceptionInfo = {"type": "KeyError", "message": "'x'", "frames": [], "syntax": None,
                        "paths": [], "cause": None, "context": None}  # fmt: skip
ERROR: ExceptionInfo = {
    "type": "NameError", "message": "name 'boom' is not defined", "frames": [FRAME],  # type: ignore[list-item]
    "syntax": {"file": "/p/app.py", "line": 3, "col": None, "end_line": None, "end_col": None,
               "text": "x"},
    "paths": ["/p/settings.cfg"], "cause": CAUSE, "context": None,
}  # fmt: skip
EVENTS: list[protocol.Event] = [
    Loading(pid=7, app="hello:create_app('dev')"),
    Ready(pid=7, url="http://127.0.0.1:5000/", files=["/p/app.py"], packages=["flask", "yaml"]),
    LoadError(pid=7, error=ERROR, files=["/p/app.py"], entry="/p/app.py"),
    RequestError(pid=7, method="GET", path="/é?q=1", error=ERROR),
]
READY_LINE = '{"event":"ready","pid":1,"url":"http://127.0.0.1:5000/","files":[],"packages":[]}'


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_what_the_app_process_writes_comes_back_typed(event: protocol.Event) -> None:
    line = encode_event(to_wire(event)).decode()  # exactly as the app process writes it
    assert json.loads(line)["event"] == event.KIND
    assert decode_event(line) == event


def test_preloader_messages_come_back_typed() -> None:
    watch = [("/x", None), ("/y", 5)]
    ready = PreloadReady(
        pid=3, packages=["flask"], failed=["broken"], watch=watch, left_out=["threaded"]
    )
    for reply in (ready, Forked(pid=4), ForkFailed(error="OSError: no"), Exited(pid=4, code=-9)):
        assert decode_reply(encode(reply).decode()) == reply
    request = ForkRequest(argv=["--port", "5000"], env={"A": "é"}, cwd="/p")
    assert decode_request(encode(request).decode()) == request
    # A reply is not an event, nor a request: each channel has its own messages.
    assert isinstance(decode_event(encode(Forked(pid=4)).decode()), Malformed)
    assert isinstance(decode_reply(READY_LINE), Malformed)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not JSON"),
        ("", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('"ready"', "not a JSON object"),
        ('{"pid": 1}', "unknown event null"),
        ('{"event": "reload", "pid": 1}', 'unknown event "reload"'),
        ('{"event": ["ready"]}', 'unknown event ["ready"]'),
        ('{"event":"ready","pid":1,"files":[],"packages":[]}', "ready: no 'url'"),
        (READY_LINE.replace('"packages":[]', '"packages":5'),
         "ready.packages: expected array, got integer"),
        (READY_LINE.replace('"files":[]', '"files":["a",2]'),
         "ready.files[1]: expected string, got integer"),
        (READY_LINE.replace('"pid":1', '"pid":true'), "ready.pid: expected integer, got boolean"),
        (READY_LINE.replace('"pid":1', '"pid":1.5'), "ready.pid: expected integer, got number"),
        ('{"event":"request_error","pid":1,"method":"GET","path":"/","error":null}',
         "request_error.error: expected an object, got null"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)  # fmt: skip
def test_a_malformed_line_is_a_value_that_says_why(line: str, reason: str) -> None:
    decoded = decode_event(line)
    assert decoded == Malformed(line[:SHOWN_CHARS], reason)


def test_a_bad_field_deep_in_an_error_is_found() -> None:
    bad_frame = {**FRAME, "line": "3"}
    error = {**ERROR, "cause": {**CAUSE, "frames": [FRAME, bad_frame]}}
    line = json.dumps({"event": "load_error", "pid": 1, "error": error, "files": [], "entry": ""})
    decoded = decode_event(line)
    assert isinstance(decoded, Malformed)
    assert decoded.reason == "load_error.error.cause.frames[1].line: expected integer, got string"


@pytest.mark.parametrize("depth", [400, 100_000])
def test_a_deep_chain_of_causes_never_raises(depth: int) -> None:
    link = '{"type": "E", "message": "", "frames": [], "syntax": null, "paths": [], '
    error = (link + '"context": null, "cause": ') * depth + "null" + "}" * depth
    line = f'{{"event": "load_error", "pid": 1, "error": {error}, "files": [], "entry": ""}}'
    assert decode_event(line) == Malformed(line[:SHOWN_CHARS], "nested too deeply")


def test_every_field_missing_or_mistyped_is_malformed_never_an_exception() -> None:
    for event in EVENTS:
        wire = json.loads(encode_event(to_wire(event)))
        for key, value in wire.items():
            candidates: list[object] = [None, 5, "x", [], {}, True]
            wrongs = [v for v in candidates if type(v) is not type(value)]
            lines = [json.dumps({k: v for k, v in wire.items() if k != key})]
            lines += [json.dumps({**wire, key: wrong}) for wrong in wrongs]
            for line in lines:
                assert isinstance(decode_event(line), Malformed), line


def test_unknown_extra_fields_are_ignored() -> None:
    line = READY_LINE[:-1] + ',"later":{"a":1}}'
    assert decode_event(line) == Ready(pid=1, url="http://127.0.0.1:5000/", files=[], packages=[])


def test_a_malformed_line_is_cut_and_shown_escaped() -> None:
    line = "\x1b]0;PWNED\x07\x1b[2J" + "x" * 1_000
    decoded = decode_event(line)
    assert isinstance(decoded, Malformed) and len(decoded.line) == SHOWN_CHARS
    shown = decoded.describe()
    assert shown.startswith('not JSON: "\\u001b]0;PWNED\\u0007\\u001b[2J')
    assert not any(ord(char) < 32 for char in shown)
    assert len(shown) < SHOWN_CHARS + 100


def test_commands_to_the_app_process_come_back_typed() -> None:
    from failsafe_flask.protocol import ReloadPage, SwapStyles, decode_command

    for command in (ReloadPage(reason="home.html changed"), SwapStyles(names=["site.css"])):
        assert decode_command(encode(command).decode()) == command
    assert isinstance(decode_command(READY_LINE), Malformed)
    assert isinstance(decode_command('{"command":"swap_styles","names":"site.css"}'), Malformed)
