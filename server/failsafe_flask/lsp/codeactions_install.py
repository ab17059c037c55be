"""The pip command line that installs a missing module into the app's interpreter. Pure.

``import yaml`` fails with "No module named 'yaml'", but ``pip install yaml`` installs
nothing useful (or someone else's package): the distribution is PyYAML. Known differences
are mapped; any other top-level name is its own distribution, as is the rule on PyPI.
Never offered for a module of the project itself (a typo or a missing file there is not
fixed by pip), nor for the standard library.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Callable, Optional

from ..supervisor.launch import ENV_BUNDLED

# Import name -> distribution, where they differ (the usual ones in Flask projects).
DISTRIBUTIONS = {
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "cv2": "opencv-python",
    "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "jose": "python-jose",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "OpenSSL": "pyOpenSSL",
    "Crypto": "pycryptodome",
    "magic": "python-magic",
    "serial": "pyserial",
    "zmq": "pyzmq",
    "attr": "attrs",
    "gi": "PyGObject",
    "socks": "PySocks",
    "multipart": "python-multipart",
    "slugify": "python-slugify",
    "ldap": "python-ldap",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "google.protobuf": "protobuf",
    "flask_sqlalchemy": "Flask-SQLAlchemy",
    "flask_wtf": "Flask-WTF",
    "flask_login": "Flask-Login",
    "flask_migrate": "Flask-Migrate",
    "flask_cors": "Flask-Cors",
}
_DISTRIBUTION = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


def distribution(module: str) -> str:
    """The distribution that provides ``module`` (its top-level name, unless mapped)."""
    parts = module.split(".")
    for size in range(len(parts), 0, -1):  # the longest mapped prefix: google.protobuf
        found = DISTRIBUTIONS.get(".".join(parts[:size]))
        if found:
            return found
    return parts[0].replace("_", "-")


def is_project_module(module: str, roots: list[Path], exists: Callable[[Path], bool]) -> bool:
    """A module the project itself would provide: ``top.py`` or ``top/`` in one of ``roots``
    (the project root and the folders its files are in)."""
    top = module.split(".")[0]
    return any(exists(root / f"{top}.py") or exists(root / top) for root in roots)


def installable(module: str, roots: list[Path], exists: Callable[[Path], bool]) -> Optional[str]:
    """The distribution to install for ``module``; None when pip is not the fix."""
    top = module.split(".")[0]
    if top in getattr(sys, "stdlib_module_names", ()) or top == "__main__":
        return None
    if is_project_module(module, roots, exists):
        return None
    name = distribution(module)
    return name if _DISTRIBUTION.match(name) else None


def pip_command(python: str, dist: str) -> list[str]:
    """The argv that installs ``dist`` with the app's interpreter: an argv, never a shell
    line, and a name that cannot start with a dash (so it is never taken as an option)."""
    if not _DISTRIBUTION.match(dist):
        raise ValueError(f"not a distribution name: {dist!r}")
    return [python, "-m", "pip", "install", dist]


def pip_text(argv: list[str]) -> str:
    """How the command reads in a message: quoted where a shell would need it."""
    return " ".join(shlex.quote(arg) for arg in argv)


def pip_env(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """The environment pip runs in: the app's (``extra`` is the env setting), without the
    language server's bundled libraries, which pip would count as installed."""
    env = {**base, **extra}
    hidden = {os.path.normpath(p) for p in base.get(ENV_BUNDLED, "").split(os.pathsep) if p}
    paths = env.get("PYTHONPATH", "").split(os.pathsep)
    kept = [p for p in paths if p and os.path.normpath(p) not in hidden]
    env.pop(ENV_BUNDLED, None)
    if kept:
        env["PYTHONPATH"] = os.pathsep.join(kept)
    else:
        env.pop("PYTHONPATH", None)
    return env
