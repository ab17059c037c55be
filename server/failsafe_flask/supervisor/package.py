"""Where an app process finds the ``failsafe_flask`` package, and nothing else of ours."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

import failsafe_flask

INSTALLED = ("site-packages", "dist-packages")


class PackageFolder:
    """The folder that goes first on the app's PYTHONPATH.

    From a source tree or the extension's bundle that is the package's parent. From an
    installed wheel the parent is our site-packages: exposing it to another interpreter
    would lend it our Flask, so a private folder links to the package. One per
    supervisor, made when first needed, removed by ``remove()``.
    """

    def __init__(self, package: Optional[Path] = None) -> None:
        self._package = package or Path(failsafe_flask.__file__).resolve().parent
        self._private: Optional[Path] = None

    def parent_for(self, python: str) -> str:
        parent = self._package.parent
        if parent.name not in INSTALLED or _same_python(python):
            return str(parent)
        if self._private is None:
            private = Path(tempfile.mkdtemp(prefix="failsafe-flask-"))
            (private / "failsafe_flask").symlink_to(self._package, target_is_directory=True)
            self._private = private
        return str(self._private)

    def remove(self) -> None:
        private, self._private = self._private, None
        if private is not None:
            # The link only, never what it points to: rmtree does not follow symlinks.
            shutil.rmtree(private, ignore_errors=True)


def _same_python(python: str) -> bool:
    with contextlib.suppress(OSError):
        return os.path.samefile(python, sys.executable)
    return False
