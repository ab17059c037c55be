"""Globs mean what they mean in VS Code's settings (files.exclude, search.exclude)."""

from __future__ import annotations

import pytest

from failsafe_flask.globs import expand_braces, glob_match


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("**/*.toml", "config.toml"),  # the case fnmatch missed
        ("**/*.toml", "a/b/settings.toml"),
        ("*.toml", "config.toml"),
        ("config/*.toml", "config/app.toml"),
        ("templates/**/*.html", "templates/index.html"),
        ("templates/**/*.html", "templates/a/b/index.html"),
        ("build/**", "build"),
        ("build/**", "build/lib/x.py"),
        ("**/node_modules/**", "node_modules/x/y.js"),
        ("**", "anything/at/all.txt"),
        ("**/**", "a/b"),
        ("*.{toml,ini}", "setup.ini"),
        ("{config,settings}/*.cfg", "settings/dev.cfg"),
        ("{**/*.html,static/*.css}", "static/site.css"),
        ("{**/*.html,static/*.css}", "templates/base.html"),
        ("a{b,c{d,e}}", "ace"),
        ("file?.txt", "file1.txt"),
        ("data[0-9].csv", "data7.csv"),
        ("data[!0-9].csv", "dataX.csv"),
        ("./app.cfg", "app.cfg"),
        ("docs/", "docs"),
        ("a[b", "a[b"),  # an unclosed class is a plain character
        ("{a", "{a"),  # an unclosed brace too
        ("report (1).txt", "report (1).txt"),  # regex characters are literal
    ],
)
def test_matches(pattern: str, path: str) -> None:
    assert glob_match(pattern, path)


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("*.toml", "config/app.toml"),  # * never crosses a folder
        ("config/*.toml", "config/deep/app.toml"),
        ("**/*.toml", "config.toml.bak"),
        ("file?.txt", "file.txt"),
        ("file?.txt", "file/.txt"),  # ? never matches /
        ("data[!0-9].csv", "data7.csv"),
        ("data[!a].csv", "data/.csv"),
        ("*.{toml,ini}", "setup.cfg"),
        ("build/**", "builds/x"),
        ("templates/**/*.html", "static/index.html"),
        ("report (1).txt", "report 1.txt"),
    ],
)
def test_does_not_match(pattern: str, path: str) -> None:
    assert not glob_match(pattern, path)


def test_brace_expansion_keeps_order_and_nests() -> None:
    assert expand_braces("a{b,c{d,e}}f") == ["abf", "acdf", "acef"]
    assert expand_braces("{x}") == ["{x}"]  # no comma: not a group, as in VS Code
    assert expand_braces("plain") == ["plain"]


def test_brace_expansion_is_bounded() -> None:
    assert len(expand_braces("{a,b}" * 20)) == 256
