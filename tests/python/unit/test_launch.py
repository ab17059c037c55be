"""The app process's command line and environment."""

from __future__ import annotations

import os
from pathlib import Path

from failsafe_flask.config import AppConfig
from failsafe_flask.supervisor.launch import ENV_BUNDLED, child_command, plan_launch


def test_command_carries_the_options() -> None:
    config = AppConfig(Path("/p"), app="hello:create_app('dev')", port=5001, python="/py")
    assert child_command(config) == [
        "/py", "-m", "failsafe_flask.child", "--app", "hello:create_app('dev')",
        "--host", "127.0.0.1", "--port", "5001", "--debug", "--load-timeout", "30",
    ]  # fmt: skip
    no_debug = AppConfig(Path("/p"), debug=False, env_file=".env.dev", python="/py")
    assert child_command(no_debug)[-5:-2] == ["--no-debug", "--env-file", ".env.dev"]
    assert child_command(AppConfig(Path("/p"), load_timeout=2.5))[-2:] == ["--load-timeout", "2.5"]


def test_env_hides_bundled_libraries_and_puts_the_package_first() -> None:
    base = {
        "PYTHONPATH": os.pathsep.join(["/ext/bundled/libs", "/ext/bundled/server", "/mine"]),
        ENV_BUNDLED: "/ext/bundled/libs",
        "HOME": "/home/u",
    }
    config = AppConfig(Path("/p"), env={"SECRET": "s"})
    plan = plan_launch(config, base, "/ext/bundled/server")
    env = plan.env_with({"FAILSAFE_FLASK_EVENT_FD": 7})
    assert env["PYTHONPATH"] == os.pathsep.join(["/ext/bundled/server", "/mine"])
    assert ENV_BUNDLED not in env
    assert env["SECRET"] == "s"
    assert env["FAILSAFE_FLASK_EVENT_FD"] == "7"
    assert env["FLASK_RUN_FROM_CLI"] == "true"
    assert env["WERKZEUG_RUN_MAIN"] == "true"
    assert "FLASK_DEBUG" not in env  # debug reaches the app process by its argv only
    assert plan.command() == child_command(config)
    assert base["PYTHONPATH"].startswith("/ext")  # the caller's mapping is untouched


def test_flask_run_options_reach_the_app_process_as_it_parses_them() -> None:
    from failsafe_flask.child.main import parse_args
    from failsafe_flask.supervisor.launch import child_args

    config = AppConfig(
        project_root=Path("/p"),
        cert="/p/cert.pem",
        key="/p/key.pem",
        debugger=False,
        threaded=False,
    )
    args = parse_args(child_args(config))
    assert (args.cert, args.key, args.debugger, args.threaded) == (
        "/p/cert.pem",
        "/p/key.pem",
        False,
        False,
    )
    plain = parse_args(child_args(AppConfig(project_root=Path("/p"))))
    assert (plain.cert, plain.key, plain.debugger, plain.threaded) == (None, None, None, True)
