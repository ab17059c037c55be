"""Glob patterns with VS Code's meaning, for extraWatch / excludes and their CLI twins.

Python's ``fnmatch`` lets ``*`` cross folders and knows no ``**``, so ``**/*.toml``
missed a top-level ``config.toml``. Here, as in every VS Code glob setting:

- ``*`` matches any characters within one path segment, ``?`` one character;
- ``**`` matches any number of segments, none included (``**/*.toml`` matches
  ``config.toml`` and ``a/b/c.toml``; ``build/**`` matches ``build`` and below);
- ``{a,b}`` matches either alternative (alternatives may hold ``/`` and nest);
- ``[abc]``, ``[a-z]``, ``[!abc]`` match one character of (or not of) a set.

Paths are ``/``-separated, relative to the project root. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# A pattern's brace alternatives multiply; past this many, the rest are ignored.
MAX_EXPANSIONS = 256


def glob_match(pattern: str, path: str) -> bool:
    """Does the ``/``-separated ``path`` match ``pattern`` as VS Code would match it?"""
    return compile_glob(pattern).fullmatch(path) is not None


def match_any(patterns: Iterable[str], path: str) -> bool:
    return any(glob_match(pattern, path) for pattern in patterns)


@lru_cache(maxsize=512)
def compile_glob(pattern: str) -> re.Pattern[str]:
    alternatives = [_translate(_normalize(p)) for p in expand_braces(pattern)]
    return re.compile("|".join(f"(?:{regex})" for regex in alternatives), re.DOTALL)


def expand_braces(pattern: str) -> list[str]:
    """``a{b,c{d,e}}`` -> ``[ab, acd, ace]``; an unclosed brace is a plain character."""
    span = _first_group(pattern)
    if span is None:
        return [pattern]
    start, end = span
    head, tail = pattern[:start], pattern[end + 1 :]
    results: list[str] = []
    for choice in _split_top_level(pattern[start + 1 : end]):
        for expanded in expand_braces(head + choice + tail):
            if len(results) >= MAX_EXPANSIONS:
                return results
            results.append(expanded)
    return results


def _first_group(pattern: str) -> tuple[int, int] | None:
    """Start and end of the first balanced ``{...}`` holding a comma at its top level."""
    for start, char in enumerate(pattern):
        if char != "{":
            continue
        depth = 0
        for end in range(start, len(pattern)):
            depth += {"{": 1, "}": -1}.get(pattern[end], 0)
            if depth == 0:
                if len(_split_top_level(pattern[start + 1 : end])) > 1:
                    return start, end
                break
    return None


def _split_top_level(body: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in body:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        current += char
    parts.append(current)
    return parts


def _normalize(pattern: str) -> str:
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/") or pattern


def _translate(pattern: str) -> str:
    """A brace-free pattern -> a regular expression over the whole path."""
    segments = pattern.split("/")
    if segments == ["**"]:
        return ".*"
    regex = ""
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment != "**":
            regex += _segment(segment) + ("" if last else "/")
        elif last and regex.endswith("/"):  # "a/**": the folder itself and all below it
            regex = regex[:-1] + "(?:/.*)?"
        elif last:  # "**/**"
            regex += ".*"
        else:  # "**/" at the start or in the middle: zero or more whole segments
            regex += "(?:[^/]+/)*"
    return regex


def _segment(segment: str) -> str:
    out, i = "", 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1  # "a**b" inside a segment is a plain "*"
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            found = _char_class(segment, i)
            if found is None:
                out += re.escape(char)
            else:
                cls, i = found
                out += cls
        else:
            out += re.escape(char)
        i += 1
    return out


def _char_class(segment: str, start: int) -> tuple[str, int] | None:
    """``[!a-z]`` at ``start`` -> (``[^a-z/]``, index of its ``]``); None when unclosed."""
    i = start + 1
    negate = i < len(segment) and segment[i] in "!^"
    if negate:
        i += 1
    end = segment.find("]", i + 1 if i < len(segment) and segment[i] == "]" else i)
    if end == -1:
        return None
    body = segment[i:end].replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
    return ("[^" + body + "/]" if negate else "[" + body + "]"), end
