"""Can anything run here? The check made before starting, without importing user code.

Flask's own discovery (which the app process uses) looks for ``wsgi.py`` and
``app.py`` when neither ``--app`` nor ``FLASK_APP`` names the app; when none of these
exists there is nothing to run, and the user should hear what was tried.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Optional

DISCOVERY_FILES = ("wsgi.py", "app.py")


def missing_app_message(root: str, app: Optional[str], env: Mapping[str, str]) -> Optional[str]:
    """None when an app may be found, else the message that says what was tried."""
    if app or env.get("FLASK_APP"):
        return None
    if any(os.path.isfile(os.path.join(root, name)) for name in DISCOVERY_FILES):
        return None
    return (
        f"No Flask app found in {root}: no --app option (the failsafeFlask.app setting in "
        "the editor), no FLASK_APP variable, and neither wsgi.py nor app.py. Name the app "
        "as flask run does, e.g. --app hello, --app 'hello:create_app()' or --app app.py."
    )
