"""A start refused because nothing names or finds an app, with the apps to choose from.

Starting anyway would only end in Flask's NoAppException, a message that names neither
the setting nor an app the project holds. The refusal is a RequestFailed error whose
``data`` carries the candidates, so a client can offer them (VS Code: a quick pick that
saves the choice to ``failsafeFlask.app``); its message lists them for any other client.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from ..appspec import SETTING, find_no_app
from ..config import AppConfig

NO_APP = "noApp"


def no_app_error(config: AppConfig) -> Optional[JsonRpcException]:
    """The error a start returns when there is nothing to run; None when there may be."""
    env = {**os.environ, **config.env}  # what the app process would see
    found = find_no_app(str(config.project_root), config.app, env, config.env_file)
    if found is None:
        return None
    data: dict[str, Any] = {
        "reason": NO_APP,
        "setting": SETTING,
        "candidates": [
            {"app": c.app, "file": c.file, "name": c.name, "factory": c.factory}
            for c in found.candidates
        ],
    }
    return JsonRpcException(found.message, lsp.LSPErrorCodes.RequestFailed, data)
