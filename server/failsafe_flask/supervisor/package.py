"""Where an app process finds the ``failsafe_flask`` package (and ``debugpy``, when it
debugs), and nothing else of ours."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import failsafe_flask

INSTALLED = ("site-packages", "dist-packages")


class PackageFolder:
    """The folder that goes first on the app's PYTHONPATH.

    From a source tree or the extension's bundle that is the package's parent. From an
    installed wheel the parent is our site-packages: exposing it would lend the app our
    Flask and everything else installed beside us, so a private folder links to the
    package. Always, whatever the app's interpreter: one that looks like ours (a
    virtualenv on the same base Python, a symlink) may still have other packages. One
    folder per supervisor, made when first needed, removed by ``remove()``.
    """

    def __init__(self, package: Optional[Path] = None, always_private: bool = False) -> None:
        self._package = package or Path(failsafe_flask.__file__).resolve().parent
        self._always_private = always_private  # its parent may hold anything beside it
        self._private: Optional[Path] = None

    def parent(self) -> str:
        parent = self._package.parent
        if parent.name not in INSTALLED and not self._always_private:
            return str(parent)
        if self._private is None:
            private = Path(tempfile.mkdtemp(prefix="failsafe-flask-"))
            (private / self._package.name).symlink_to(self._package, target_is_directory=True)
            self._private = private
        return str(self._private)

    def remove(self) -> None:
        private, self._private = self._private, None
        if private is not None:
            # The link only, never what it points to: rmtree does not follow symlinks.
            shutil.rmtree(private, ignore_errors=True)


def debugpy_folder() -> Optional[PackageFolder]:
    """Our own debugpy (a dependency of this package, or bundled with the extension),
    offered to an app whose interpreter has none; found without importing it."""
    spec = importlib.util.find_spec("debugpy")
    if spec is None or spec.origin is None:
        return None
    return PackageFolder(Path(spec.origin).resolve().parent, always_private=True)
