"""The URL prefix: its check, the WSGI wrapper seen through Werkzeug's test client, and the
setting, the option and the app process's argument that carry it."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, redirect, url_for
from werkzeug.test import Client

from failsafe_flask import cli, validate
from failsafe_flask.child.prefix import UrlPrefix, split
from failsafe_flask.config import AppConfig
from failsafe_flask.lsp.settings import SettingsError, parse_settings
from failsafe_flask.supervisor.launch import child_args


@pytest.mark.parametrize(
    ("path", "rest"),
    [
        ("/absproxy/5000/about", "/about"),
        ("/absproxy/5000/", "/"),
        ("/absproxy/5000", "/"),
        ("/absproxy/50001/x", None),  # another port's prefix, not this one
        ("/about", None),
        ("/", None),
    ],
)
def test_split(path: str, rest: str) -> None:
    assert split(path, "/absproxy/5000") == rest


def test_no_prefix_splits_nothing() -> None:
    assert split("/about", "") is None


@pytest.mark.parametrize(
    ("value", "checked"),
    [
        ("/absproxy/{port}", "/absproxy/{port}"),
        ("/app/", "/app"),
        (" /app ", "/app"),
        ("", ""),
        ("/", ""),
        ("/a%20b/c", "/a%20b/c"),
    ],
)
def test_valid_prefixes(value: str, checked: str) -> None:
    assert validate.url_prefix(value) == checked


@pytest.mark.parametrize(
    "value", ["app", "http://host/app", "/app?x=1", "/app#top", "/a b", "//host", "/{name}", 3]
)
def test_a_bad_prefix_is_said_clearly(value: object) -> None:
    with pytest.raises(validate.InvalidValue, match=r"^must be "):
        validate.url_prefix(value)


def test_the_port_goes_into_the_prefix(tmp_path: Path) -> None:
    config = AppConfig(project_root=tmp_path, port=5123, url_prefix="/absproxy/{port}")
    assert config.served_prefix() == "/absproxy/5123"
    assert child_args(config)[-4:-2] == ["--url-prefix", "/absproxy/5123"]
    assert "--url-prefix" not in child_args(AppConfig(project_root=tmp_path))


def test_the_setting_and_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_settings({"urlPrefix": "/absproxy/{port}/"}, tmp_path).url_prefix == (
        "/absproxy/{port}"
    )
    assert parse_settings({"urlPrefix": ""}, tmp_path).url_prefix == ""
    assert parse_settings({}, tmp_path).url_prefix == ""
    with pytest.raises(SettingsError, match=r"^failsafeFlask\.urlPrefix must be a path"):
        parse_settings({"urlPrefix": "absproxy"}, tmp_path)
    with pytest.raises(SystemExit):
        cli.main(["run", "--url-prefix", "/x?y"])
    assert "Invalid value for '--url-prefix': must be a path" in capsys.readouterr().err


def _client() -> Client:
    app = Flask(__name__)

    @app.route("/")
    def home() -> str:
        return f"<a href='{url_for('about')}'>about</a> {url_for('static', filename='s.css')}"

    @app.route("/about")
    def about() -> str:
        return "about page"

    @app.route("/go")
    def go() -> object:
        return redirect(url_for("about"))

    return Client(UrlPrefix(app.wsgi_app, "/absproxy/5000"))


def test_links_and_redirects_stay_under_the_prefix() -> None:
    client = _client()
    page = client.get("/absproxy/5000/").get_data(as_text=True)
    assert "href='/absproxy/5000/about'" in page and "/absproxy/5000/static/s.css" in page
    assert client.get("/absproxy/5000/about").get_data(as_text=True) == "about page"
    assert client.get("/absproxy/5000/go").headers["Location"] == "/absproxy/5000/about"


def test_a_request_without_the_prefix_is_served_as_it_is() -> None:
    client = _client()
    assert "href='/about'" in client.get("/").get_data(as_text=True)
    assert client.get("/about").get_data(as_text=True) == "about page"
