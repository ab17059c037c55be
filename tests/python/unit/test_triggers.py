"""Which changes restart the app: the pure rules."""

from __future__ import annotations

import os
import pathlib

from failsafe_flask.supervisor.triggers import (
    ChangeLedger,
    WatchRules,
    files_named_by,
    is_relevant,
)

ROOT = os.path.abspath("/project")


def rel(*parts: str) -> str:
    return os.path.join(ROOT, *parts)


def test_python_files_below_the_root_are_relevant() -> None:
    rules = WatchRules(ROOT)
    assert is_relevant(rel("app.py"), rules)
    assert is_relevant(rel("pkg", "deep", "mod.py"), rules)


def test_other_files_and_files_outside_the_root_are_not() -> None:
    rules = WatchRules(ROOT)
    assert not is_relevant(rel("static", "site.css"), rules)
    assert not is_relevant(os.path.abspath("/elsewhere/app.py"), rules)
    assert not is_relevant(ROOT, rules)


def test_usual_excludes_win_over_the_suffix() -> None:
    rules = WatchRules(ROOT)
    for parts in [
        (".git", "hooks", "x.py"),
        ("__pycache__", "app.cpython-311.py"),
        (".venv", "lib", "python3.11", "site-packages", "flask", "app.py"),
        ("venv", "bin", "activate_this.py"),
        ("node_modules", "x", "y.py"),
        ("build", "lib", "site-packages", "z.py"),
        ("pkg.egg-info", "x.py"),
    ]:
        assert not is_relevant(rel(*parts), rules), parts


def test_a_package_named_env_is_not_mistaken_for_a_virtualenv() -> None:
    assert is_relevant(rel("env", "settings.py"), WatchRules(ROOT))


def test_user_excludes_by_name_and_by_relative_glob() -> None:
    rules = WatchRules(ROOT, excludes=("migrations", "scripts/*.py"))
    assert not is_relevant(rel("migrations", "0001.py"), rules)
    assert not is_relevant(rel("scripts", "seed.py"), rules)
    assert is_relevant(rel("app.py"), rules)


def test_extra_globs_add_files() -> None:
    rules = WatchRules(ROOT, extra_globs=("*.cfg", "templates/**/*.html"))
    assert is_relevant(rel("settings.cfg"), rules)
    assert is_relevant(rel("templates", "a", "index.html"), rules)
    assert not is_relevant(rel("static", "a.js"), rules)


def test_named_files_are_relevant_whatever_their_suffix() -> None:
    rules = WatchRules(ROOT).with_named([rel("settings.cfg")])
    assert is_relevant(rel("settings.cfg"), rules)
    assert not is_relevant(rel("settings.cfg"), rules.with_named([]))


def test_files_named_by_an_error_include_its_chain_and_paths() -> None:
    def info(file: str, cause: object = None, context: object = None) -> dict[str, object]:
        return {
            "type": "E",
            "message": "",
            "frames": [{"file": file, "line": 1}, {"file": "<frozen importlib>", "line": 2}],
            "syntax": None,
            "paths": [rel("missing.cfg")],
            "cause": cause,
            "context": context,
        }

    error = info(rel("a.py"), cause=info(rel("b.py")), context=info(rel("c.py")))
    syntax = info(rel("d.py"))
    syntax["syntax"] = {"file": rel("broken.py"), "line": 3}
    error["context"] = syntax
    named = files_named_by(error)  # type: ignore[arg-type]
    assert named == {rel("a.py"), rel("b.py"), rel("d.py"), rel("broken.py"), rel("missing.cfg")}


def test_the_ledger_sees_one_write_once() -> None:
    ledger = ChangeLedger()
    assert ledger.is_new("a.py", (1, 10))
    assert not ledger.is_new("a.py", (1, 10))  # the watcher reporting the editor's save
    assert ledger.is_new("a.py", (2, 10))
    assert ledger.is_new("a.py", None)  # deleted
    assert not ledger.is_new("a.py", None)


def test_extra_globs_have_vs_code_meaning() -> None:
    rules = WatchRules(ROOT, extra_globs=("**/*.toml", "*.cfg", "{conf,etc}/*.ini"))
    assert is_relevant(rel("config.toml"), rules)  # ** spans zero folders too
    assert is_relevant(rel("a", "b", "c.toml"), rules)
    assert is_relevant(rel("settings.cfg"), rules)
    assert not is_relevant(rel("deep", "settings.cfg"), rules)  # * stays in its folder
    assert is_relevant(rel("etc", "db.ini"), rules)
    assert not is_relevant(rel("other", "db.ini"), rules)


def test_an_absolute_extra_file_matches_its_path() -> None:
    rules = WatchRules(ROOT, extra_globs=(rel("instance", "app.cfg"),))
    assert is_relevant(rel("instance", "app.cfg"), rules)
    assert not is_relevant(rel("app.cfg"), rules)


def test_excluding_a_folder_by_path_excludes_what_it_holds() -> None:
    rules = WatchRules(ROOT, excludes=("docs/_build", "**/generated/**"))
    assert not is_relevant(rel("docs", "_build", "html", "conf.py"), rules)
    assert not is_relevant(rel("pkg", "generated", "models.py"), rules)
    assert is_relevant(rel("docs", "conf.py"), rules)


# -- live reload: saves that need no restart ------------------------------------------


def test_live_action_for_templates_and_stylesheets(tmp_path: pathlib.Path) -> None:
    from failsafe_flask.protocol import ReloadPage, SwapStyles
    from failsafe_flask.supervisor.triggers import live_action

    rules = WatchRules(root=str(tmp_path))
    at = lambda rel: str(tmp_path / rel)  # noqa: E731
    assert live_action(at("shop/templates/home.html"), rules) == ReloadPage("home.html changed")
    assert live_action(at("templates/mail/a.txt"), rules) == ReloadPage("a.txt changed")
    assert live_action(at("shop/static/css/site.css"), rules) == SwapStyles(["site.css"])
    for other in (
        "shop/views.py",
        "shop/static/app.js",
        "site.css",
        "node_modules/x/templates/a.html",
    ):
        assert live_action(at(other), rules) is None, other
    assert live_action("/elsewhere/templates/a.html", rules) is None
    assert not is_relevant(at("shop/templates/home.html"), rules)  # no restart for it
