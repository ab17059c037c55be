"""The terminal's options and the editor's settings say one mistake in the same words."""

from __future__ import annotations

from pathlib import Path

import pytest

from failsafe_flask import cli, validate
from failsafe_flask.lsp.settings import SettingsError, parse_settings


@pytest.mark.parametrize(
    ("option", "text", "key", "value"),
    [
        ("--port", "70000", "port", 70000),
        ("--port", "-1", "port", -1),
        ("--load-timeout", "0", "loadTimeout", 0),
        ("--load-timeout", "-2.5", "loadTimeout", -2.5),
        ("--host", " ", "host", " "),
    ],
)
def test_one_wording_for_the_terminal_and_the_editor(
    option: str,
    text: str,
    key: str,
    value: object,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SettingsError) as raised:
        parse_settings({key: value}, tmp_path)
    said = str(raised.value).removeprefix(f"failsafeFlask.{key} ")
    assert said.startswith("must be ") and said != str(raised.value)
    with pytest.raises(SystemExit):
        cli.main(["run", f"{option}={text}"])
    assert f"{option}': {said}\n" in capsys.readouterr().err  # "Invalid value for '--port': "


@pytest.mark.parametrize("value", ["", "  ", "local host", 3, None])
def test_no_host_that_would_bind_something_unasked(value: object) -> None:
    # An empty host binds every interface: never the way to say "the default".
    with pytest.raises(validate.InvalidValue):
        validate.host(value)


def test_a_host_is_taken_without_its_surrounding_blanks() -> None:
    assert validate.host(" 127.0.0.1 ") == "127.0.0.1"


@pytest.mark.parametrize("text", ["inf", "nan", "thirty", ""])
def test_seconds_must_be_a_finite_number(text: str) -> None:
    with pytest.raises(validate.InvalidValue, match="which is not a positive number of seconds"):
        validate.seconds_text(text)


def test_an_empty_host_setting_is_the_default_but_an_empty_port_is_a_mistake(
    tmp_path: Path,
) -> None:
    # A settings UI leaves "" in a cleared text field; a number field never holds one.
    assert parse_settings({"host": ""}, tmp_path) == parse_settings({}, tmp_path)
    with pytest.raises(SettingsError, match="port must be a whole number, got a string"):
        parse_settings({"port": ""}, tmp_path)
