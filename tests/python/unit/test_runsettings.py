"""flask run's precedence, as the supervisor decides it without loading anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from failsafe_flask.runsettings import RunSettingError, from_environment, resolve, tls_problem


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_command_line_then_environment_then_env_file_then_env_then_flaskenv(
    tmp_path: Path,
) -> None:
    root = _project(
        tmp_path,
        {
            ".flaskenv": "FLASK_APP=a\nFLASK_RUN_HOST=h1\nFLASK_RUN_PORT=1\nFLASK_DEBUG=0\n",
            ".env": "FLASK_RUN_HOST=h2\nFLASK_RUN_PORT=2\n",
            "dev.env": "FLASK_RUN_PORT=3\n",
        },
    )
    assert from_environment(root, {}, None) == {"app": "a", "host": "h2", "port": 2, "debug": False}
    assert from_environment(root, {}, "dev.env")["port"] == 3
    assert from_environment(root, {"FLASK_RUN_PORT": "4"}, "dev.env")["port"] == 4
    fields = resolve(root, {"port": 5, "app": None, "env_file": "dev.env"}, {"FLASK_RUN_PORT": "4"})
    assert (fields["port"], fields["app"], fields["env_file"]) == (5, "a", "dev.env")


def test_paths_and_lists_are_read_as_flask_run_reads_them(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {".flaskenv": "FLASK_RUN_EXTRA_FILES=a.toml:b.cfg\nFLASK_RUN_CERT=ADHOC\n"},
    )
    fields = from_environment(root, {}, None)
    assert fields == {"extra_watch": ("a.toml", "b.cfg"), "cert": "adhoc"}
    assert resolve(root, {"extra_watch": ("c.ini",)}, {})["extra_watch"] == ("c.ini",)


def test_skip_dotenv_leaves_only_the_environment(tmp_path: Path) -> None:
    root = _project(tmp_path, {".flaskenv": "FLASK_APP=a\n"})
    assert from_environment(root, {"FLASK_SKIP_DOTENV": "1"}, None) == {}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("FLASK_RUN_PORT=abc", "FLASK_RUN_PORT must be a whole number, got 'abc'"),
        ("FLASK_RUN_PORT=70000", "FLASK_RUN_PORT must be between 0 and 65535"),
        ("FLASK_RUN_HOST='a b'", "FLASK_RUN_HOST must be a host name or address"),
    ],
)
def test_a_bad_variable_is_one_sentence_naming_it(tmp_path: Path, text: str, said: str) -> None:
    root = _project(tmp_path, {".flaskenv": text + "\n"})
    with pytest.raises(RunSettingError, match=said):
        resolve(root, {}, {})


def test_tls_rules_are_flask_runs(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("x")
    key.write_text("x")
    assert tls_problem(None, None) is None
    assert tls_problem("adhoc", None) is None
    assert tls_problem(str(cert), str(key)) is None
    assert "not used" in (tls_problem("adhoc", str(key)) or "")
    assert "needs --key" in (tls_problem(str(cert), None) or "")
    assert "needs --cert" in (tls_problem(None, str(key)) or "")
    assert "No such certificate" in (tls_problem(str(tmp_path / "gone.pem"), str(key)) or "")


def test_no_app_message_counts_flask_app_from_the_dotenv_files(tmp_path: Path) -> None:
    from failsafe_flask.appspec import missing_app_message

    assert missing_app_message(str(tmp_path), None, {}) is not None
    _project(tmp_path, {".env": "FLASK_APP=microblog.py\n"})
    assert missing_app_message(str(tmp_path), None, {}) is None
    assert missing_app_message(str(tmp_path), None, {"FLASK_SKIP_DOTENV": "1"}) is not None


def test_editor_settings_not_set_fall_back_to_flask_variables(tmp_path: Path) -> None:
    from failsafe_flask.lsp.settings import parse_settings

    _project(tmp_path, {".flaskenv": "FLASK_APP=microblog.py\nFLASK_RUN_PORT=4000\n"})
    config = parse_settings({"port": None, "debug": None}, tmp_path)
    assert (config.app, config.port, config.debug) == ("microblog.py", 4000, True)
    assert parse_settings({"port": 5001}, tmp_path).port == 5001
    # the env setting is part of the app's environment: it wins over the files
    assert parse_settings({"env": {"FLASK_APP": "other"}}, tmp_path).app == "other"
