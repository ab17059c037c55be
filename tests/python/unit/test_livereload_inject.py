"""Which responses get the live-reload script, where it goes, and how a CSP is rewritten."""

from __future__ import annotations

import pytest

from failsafe_flask.child.livereload_inject import Skip, candidate, insert_script, with_nonce
from failsafe_flask.child.livereload_script import events_url, render

HTML = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "10")]


def test_a_whole_html_response_is_a_candidate() -> None:
    assert candidate("GET", 200, HTML, whole=True) is None
    assert candidate("POST", 500, HTML, whole=True) is None  # the debugger's page too


@pytest.mark.parametrize(
    ("method", "status", "headers", "whole"),
    [
        ("HEAD", 200, HTML, True),
        ("GET", 304, HTML, True),
        ("GET", 200, [("Content-Type", "application/json"), ("Content-Length", "2")], True),
        ("GET", 200, [("Content-Type", "text/html")], True),  # streamed: no length
        ("GET", 200, HTML, False),  # a file (direct passthrough)
        ("GET", 200, [*HTML, ("Content-Encoding", "gzip")], True),
        ("GET", 200, [("Content-Type", "text/html"), ("Content-Length", "999999999")], True),
    ],
)
def test_everything_else_is_left_alone(
    method: str, status: int, headers: list[tuple[str, str]], whole: bool
) -> None:
    assert isinstance(candidate(method, status, headers, whole), Skip)


def test_the_script_goes_before_the_last_closing_body() -> None:
    body = b"<!DOCTYPE html><html><body><pre>&lt;/body&gt;</body></body></html>"
    assert (
        insert_script(body, "<s>")
        == b"<!DOCTYPE html><html><body><pre>&lt;/body&gt;</body><s></body></html>"
    )
    assert insert_script(b"\n  <html><p>x</html>", "<s>") == b"\n  <html><p>x<s></html>"
    assert (
        insert_script(b"<!-- c -->\n<!doctype html>x", "<s>") == b"<!-- c -->\n<!doctype html>x<s>"
    )


@pytest.mark.parametrize(
    "body", [b"<p>fragment</p></body>", b"", b"hello <html>", b'{"a": "<html>"}']
)
def test_a_fragment_gets_nothing(body: bytes) -> None:
    assert insert_script(body, "<s>") is None


def test_no_csp_or_inline_allowed_is_unchanged() -> None:
    assert with_nonce("img-src *", "N") == "img-src *"
    assert (
        with_nonce("script-src 'self' 'unsafe-inline'", "N") == "script-src 'self' 'unsafe-inline'"
    )


def test_the_nonce_goes_into_the_directive_that_governs_scripts() -> None:
    assert (
        with_nonce("script-src 'self'; img-src *", "N") == "script-src 'self' 'nonce-N'; img-src *"
    )
    # unsafe-inline is ignored beside a hash: a nonce is needed
    assert with_nonce("script-src 'unsafe-inline' 'sha256-x'", "N").endswith("'nonce-N'")  # type: ignore[union-attr]
    assert with_nonce("script-src-elem 'self'; script-src 'self'", "N") == (
        "script-src-elem 'self' 'nonce-N'; script-src 'self'"
    )


def test_default_src_gets_a_script_src_of_its_own() -> None:
    # A nonce in default-src would also switch off 'unsafe-inline' for styles.
    assert with_nonce("default-src 'self' 'unsafe-eval'", "N") == (
        "default-src 'self' 'unsafe-eval'; script-src 'self' 'unsafe-eval' 'nonce-N'"
    )


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        ("script-src 'none'", "script-src is 'none'"),
        ("connect-src https://api.example", "connect-src does not allow 'self'"),
        ("default-src 'none'", "default-src does not allow 'self'"),
    ],
)
def test_a_policy_that_forbids_it_leaves_the_script_out(policy: str, reason: str) -> None:
    assert with_nonce(policy, "N") == Skip(reason, told=True)


def test_the_stream_is_under_the_pages_own_prefix() -> None:
    assert events_url("") == "/__failsafe-flask__/events"
    assert events_url("/absproxy/5000/") == "/absproxy/5000/__failsafe-flask__/events"
    assert '"/absproxy/5000/__failsafe-flask__/events"' in render("/absproxy/5000", "g", None)


def test_the_script_is_inert_ascii_whatever_the_prefix() -> None:
    script = render("/</script><b>\u00e9", "g", 'n"x')
    assert script.isascii()
    assert "</script><b>" not in script and 'nonce="n&quot;x"' in script
