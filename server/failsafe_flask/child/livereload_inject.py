"""Whether and how a response gets the live-reload script: pure decisions, no I/O.

Only a full HTML document, sent whole, is touched: not a fragment, JSON, a file, a
streamed or compressed body, a HEAD answer. A Content-Security-Policy that would block
an inline script gets a nonce in the directive that governs scripts; one that would
block the event stream itself means the script is left out, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional, Union

Headers = Sequence[tuple[str, str]]
MAX_BODY = 8 * 1024 * 1024  # a larger page is left alone rather than held in memory
CSP = "content-security-policy"

_DOCUMENT_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
_BODY_END = re.compile(rb"</body\s*>", re.I)
_HTML_END = re.compile(rb"</html\s*>", re.I)


@dataclass(frozen=True)
class Skip:
    """Not injected; ``reason`` is said in a log line only when ``told`` is True."""

    reason: str
    told: bool = False


def header(headers: Headers, name: str) -> Optional[str]:
    return next((value for key, value in headers if key.lower() == name), None)


def candidate(method: str, status: int, headers: Headers, whole: bool) -> Optional[Skip]:
    """None when the response may be a document to inject into (its body decides)."""
    mimetype = (header(headers, "content-type") or "").split(";")[0].strip().lower()
    length = header(headers, "content-length")
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return Skip("no body")
    if mimetype != "text/html":
        return Skip("not HTML")
    if (header(headers, "content-encoding") or "identity").lower() != "identity":
        return Skip("compressed")
    if not whole or length is None or not length.isdigit() or int(length) > MAX_BODY:
        return Skip("streamed, a file, or too big")
    return None


def insert_script(body: bytes, script: str) -> Optional[bytes]:
    """The document with ``script`` before ``</body>`` (else ``</html>``, else at the end);
    None for a fragment (no ``<!doctype html>`` or ``<html>`` at its start)."""
    if not _DOCUMENT_START.match(body):
        return None
    data = script.encode("ascii")
    for pattern in (_BODY_END, _HTML_END):
        ends = [found.start() for found in pattern.finditer(body)]
        if ends:
            return body[: ends[-1]] + data + body[ends[-1] :]
    return body + data


def with_nonce(policy: str, nonce: str) -> Union[str, Skip]:
    """The policy allowing an inline script with ``nonce`` and a same-origin event stream,
    or why it cannot without loosening it more (the script is then left out)."""
    directives = _parse(policy)
    connect = _effective(directives, ("connect-src", "default-src"))
    if connect is not None and not ({"'self'", "*"} & set(connect[1])):
        return Skip(f"{connect[0]} does not allow 'self'", told=True)
    script = _effective(directives, ("script-src-elem", "script-src", "default-src"))
    if script is None or _inline_allowed(script[1]):
        return policy
    name, sources = script
    if sources == ["'none'"]:
        return Skip(f"{name} is 'none'", told=True)
    token = f"'nonce-{nonce}'"
    if name == "default-src":  # a nonce there would also end 'unsafe-inline' for styles
        directives.append(("script-src", [*sources, token]))
    else:
        directives = [(n, [*s, token] if n == name else s) for n, s in directives]
    return "; ".join(" ".join([n, *s]) for n, s in directives)


def _parse(policy: str) -> list[tuple[str, list[str]]]:
    parsed = []
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed.append((words[0].lower(), words[1:]))
    return parsed


def _effective(
    directives: list[tuple[str, list[str]]], names: Sequence[str]
) -> Optional[tuple[str, list[str]]]:
    for wanted in names:  # the first of a name is the one a browser obeys
        found = next(((n, s) for n, s in directives if n == wanted), None)
        if found is not None:
            return found
    return None


def _inline_allowed(sources: list[str]) -> bool:
    """'unsafe-inline' counts only where no nonce or hash is listed (CSP level 2)."""
    lowered = [source.lower() for source in sources]
    pinned = any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for s in lowered)
    return "'unsafe-inline'" in lowered and not pinned and "'strict-dynamic'" not in lowered
