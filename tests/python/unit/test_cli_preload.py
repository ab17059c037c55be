"""``--preload MODE`` and its older spelling ``--no-preload``, parsed as the CLI does."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from failsafe_flask import cli


def _mode(tmp_path: Path, *args: str) -> str:
    context = cli.run_command.make_context("run", list(args))
    return cli._config(tmp_path, context.params).preload_mode


@pytest.mark.parametrize("mode", ["on", "packages", "off"])
def test_each_mode(tmp_path: Path, mode: str) -> None:
    assert _mode(tmp_path, "--preload", mode) == mode


def test_on_by_default_and_no_preload_is_off(tmp_path: Path) -> None:
    assert _mode(tmp_path) == "on"
    assert _mode(tmp_path, "--no-preload") == "off"


def test_another_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(click.BadParameter):
        _mode(tmp_path, "--preload", "all")
