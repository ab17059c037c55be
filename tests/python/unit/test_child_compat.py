"""The version floor of the app process, as a pure decision."""

from __future__ import annotations

from failsafe_flask.child.compat import too_old


def test_supported_versions_pass() -> None:
    assert too_old({"flask": "2.2.0", "werkzeug": "2.2.0"}) is None
    assert too_old({"flask": "3.1.3", "werkzeug": "3.1.4"}) is None
    assert too_old({"flask": "10.0", "werkzeug": "2.10.1rc1"}) is None


def test_each_old_one_is_named_once() -> None:
    text = too_old({"flask": "2.1.3", "werkzeug": "2.2.3"})
    assert text is not None and "Flask 2.1.3" in text and "Werkzeug 2.2.3" not in text
    text = too_old({"flask": "1.1.4", "werkzeug": "1.0.1"})
    assert text is not None and "Flask 1.1.4 and Werkzeug 1.0.1" in text
    assert "pip install -U 'flask>=2.2' 'werkzeug>=2.2'" in text


def test_a_missing_distribution_is_not_called_old() -> None:
    # Flask vendored or installed without metadata: nothing to say about its version.
    assert too_old({"flask": None, "werkzeug": "3.0.0"}) is None
