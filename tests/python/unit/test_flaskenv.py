"""flask run's reading of the environment and the dotenv files, as the supervisor decides it."""

from __future__ import annotations

import os
from pathlib import Path

from failsafe_flask.flaskenv import effective_environment, run_defaults


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_env_wins_over_flaskenv_and_the_environment_over_both(tmp_path: Path) -> None:
    _write(tmp_path, {".flaskenv": "FLASK_APP=js_example\nFLASK_RUN_PORT=4000\nA=flaskenv\n"})
    _write(tmp_path, {".env": "A=env\nB=env\n"})
    env = effective_environment(tmp_path, {"B": "shell"})
    assert (env["FLASK_APP"], env["FLASK_RUN_PORT"], env["A"], env["B"]) == (
        "js_example",
        "4000",
        "env",
        "shell",
    )


def test_an_env_file_wins_over_the_defaults_but_not_over_the_environment(tmp_path: Path) -> None:
    _write(tmp_path, {".env": "A=env\nB=env\n", "dev.env": "A=dev\nB=dev\n"})
    env = effective_environment(tmp_path, {"B": "shell"}, env_file="dev.env")
    assert (env["A"], env["B"]) == ("dev", "shell")


def test_skip_dotenv_reads_only_the_named_file(tmp_path: Path) -> None:
    _write(tmp_path, {".flaskenv": "FLASK_APP=a\n", "dev.env": "C=dev\n"})
    env = effective_environment(tmp_path, {"FLASK_SKIP_DOTENV": "1"}, env_file="dev.env")
    assert "FLASK_APP" not in env and env["C"] == "dev"
    env = effective_environment(tmp_path, {"FLASK_SKIP_DOTENV": "false"})
    assert env["FLASK_APP"] == "a"


def test_dotenv_files_are_found_in_parent_folders_as_python_dotenv_does(tmp_path: Path) -> None:
    _write(tmp_path, {".flaskenv": "FLASK_APP=up\n", "project/app.py": ""})
    assert effective_environment(tmp_path / "project", {})["FLASK_APP"] == "up"


def test_a_dotenv_that_is_not_a_readable_file_is_no_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").mkdir()
    os.mkfifo(tmp_path / ".flaskenv")  # reading a FIFO would block for ever
    assert effective_environment(tmp_path, {"X": "1"}) == {"X": "1"}


def test_flask_run_defaults_from_the_environment() -> None:
    found = run_defaults(
        {
            "FLASK_APP": "microblog.py",
            "FLASK_RUN_HOST": "0.0.0.0",
            "FLASK_RUN_PORT": "4000",
            "FLASK_DEBUG": "0",
            "FLASK_RUN_EXTRA_FILES": os.pathsep.join(["a.cfg", "b.toml"]),
            "FLASK_RUN_CERT": "",
        }
    )
    assert (found.app, found.host, found.port, found.debug) == (
        "microblog.py",
        "0.0.0.0",
        "4000",
        False,
    )
    assert found.extra_files == ("a.cfg", "b.toml") and found.cert is None
    assert run_defaults({"FLASK_DEBUG": "yes"}).debug is True
    assert run_defaults({}).debug is None
