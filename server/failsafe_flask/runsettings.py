"""``flask run``'s decision: the options given, else ``FLASK_*`` variables, else defaults.

Every front end (``failsafe-flask run``, ``flask failsafe``, the language server) passes
what the user set explicitly (None where not set) and its environment; what is not set
falls back to ``FLASK_APP``, ``FLASK_RUN_*`` and ``FLASK_DEBUG`` as ``flask`` would see
them (environment over ``--env-file`` over ``.env`` over ``.flaskenv``), checked with the
same validators as the options, then to AppConfig's own defaults. Pure but for reading
the dotenv files; the supervisor's own environment is never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional, TypeVar

from . import validate
from .flaskenv import effective_environment, run_defaults

ADHOC = "adhoc"  # --cert adhoc: a throwaway certificate made at each start
T = TypeVar("T")


class RunSettingError(ValueError):
    """str() is one sentence that names the option or the variable."""


def from_environment(
    root: Path, environ: Mapping[str, str], env_file: Optional[str]
) -> dict[str, Any]:
    """AppConfig fields that ``flask run`` would take from the environment; only those set."""
    found = run_defaults(effective_environment(root, environ, env_file))
    fields = {
        "app": found.app,
        "host": _checked("FLASK_RUN_HOST", found.host, validate.host),
        "port": _checked("FLASK_RUN_PORT", found.port, validate.port_text),
        "debug": found.debug,
        # relative to the project, where flask run would have been started
        "cert": _cert(root, found.cert),
        "key": str(root / found.key) if found.key else None,
        "extra_watch": found.extra_files or None,
        "excludes": found.exclude_patterns or None,
    }
    return {name: value for name, value in fields.items() if value is not None}


def resolve(root: Path, given: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """AppConfig fields: ``given`` (None or empty: not set) over the environment's."""
    explicit = {name: value for name, value in given.items() if value not in (None, ())}
    fields = {**from_environment(root, environ, explicit.get("env_file")), **explicit}
    problem = tls_problem(fields.get("cert"), fields.get("key"))
    if problem:
        raise RunSettingError(problem)
    return fields


def tls_problem(cert: Optional[str], key: Optional[str]) -> Optional[str]:
    """``flask run``'s rules for --cert and --key (FLASK_RUN_CERT / FLASK_RUN_KEY)."""
    if cert is None:
        return "--key (FLASK_RUN_KEY) needs --cert (FLASK_RUN_CERT) too." if key else None
    if cert.lower() == ADHOC:
        return 'When --cert is "adhoc", --key is not used.' if key else None
    if key is None:
        return "--cert with a certificate file needs --key (FLASK_RUN_KEY) too."
    missing = [path for path in (cert, key) if not Path(path).is_file()]
    return f"No such certificate or key file: {missing[0]}." if missing else None


def _cert(root: Path, value: Optional[str]) -> Optional[str]:
    if value is None or value.lower() == ADHOC:
        return value and ADHOC
    return str(root / value)


def _checked(name: str, text: Optional[str], check: Callable[[str], T]) -> Optional[T]:
    if text is None:
        return None
    try:
        return check(text)
    except validate.InvalidValue as exc:
        raise RunSettingError(f"{name} {exc}.") from None
