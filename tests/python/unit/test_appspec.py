"""Before a start: is an app named or found, and if not, what the project offers."""

from __future__ import annotations

from pathlib import Path

from failsafe_flask.appspec import app_label, find_no_app, missing_app_message


def package_project(root: Path) -> None:
    (root / "flaskr").mkdir()
    (root / "flaskr" / "__init__.py").write_text(
        "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n"
    )


def test_the_message_lists_the_candidates_and_names_the_setting(tmp_path: Path) -> None:
    package_project(tmp_path)
    found = find_no_app(str(tmp_path), None, {})
    assert found is not None
    assert [candidate.app for candidate in found.candidates] == ["flaskr:create_app"]
    assert "flaskr:create_app (flaskr/__init__.py)" in found.message
    assert "failsafeFlask.app" in found.message and "--app" in found.message


def test_without_candidates_the_message_still_names_the_setting(tmp_path: Path) -> None:
    message = missing_app_message(str(tmp_path), None, {})
    assert message is not None and "failsafeFlask.app" in message


def test_flask_app_in_a_dotenv_file_names_the_app(tmp_path: Path) -> None:
    package_project(tmp_path)
    (tmp_path / ".flaskenv").write_text("# the tutorial's\nexport FLASK_APP=flaskr\n")
    assert find_no_app(str(tmp_path), None, {}) is None
    (tmp_path / ".flaskenv").write_text("FLASK_DEBUG=1\n")
    assert find_no_app(str(tmp_path), None, {}) is not None
    (tmp_path / ".env").write_text("FLASK_APP='flaskr:create_app'\n")
    assert find_no_app(str(tmp_path), None, {}) is None


def test_the_label_is_the_app_form_or_the_discovered_file(tmp_path: Path) -> None:
    root = str(tmp_path)
    assert app_label(root, "hello:create_app", {"FLASK_APP": "x"}) == "hello:create_app"
    assert app_label(root, None, {}) == ""
    (tmp_path / "app.py").write_text("")
    assert app_label(root, None, {}) == "app.py"
    (tmp_path / "wsgi.py").write_text("")
    assert app_label(root, None, {}) == "wsgi.py"  # Flask tries it first


def test_the_label_follows_flasks_precedence(tmp_path: Path) -> None:
    root = str(tmp_path)
    (tmp_path / "app.py").write_text("")
    (tmp_path / ".flaskenv").write_text("FLASK_APP=microblog.py\n")
    assert app_label(root, None, {}) == "microblog.py"  # FLASK_APP wins over discovery
    (tmp_path / ".env").write_text("FLASK_APP=from_env\n")
    assert app_label(root, None, {}) == "from_env"
    (tmp_path / "dev.env").write_text("FLASK_APP=from_file\n")
    assert app_label(root, None, {}, "dev.env") == "from_file"
    assert app_label(root, None, {"FLASK_APP": "from_os"}, "dev.env") == "from_os"
