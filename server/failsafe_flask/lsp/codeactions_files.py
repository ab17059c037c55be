"""Where a missing template goes, and the edit that creates it. Pure (``exists`` is given).

Flask looks in the app's ``templates`` folder first, then in each blueprint's own
``template_folder``. The app is never imported here, so the folders are read from the
project as it stands: every existing ``templates`` folder from the file that rendered the
template up to the project root (a blueprint's own first, as it is nearest to its views),
then the app's: ``templates`` beside the app's package, or at the project root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from lsprotocol import types as lsp
from pygls.uris import from_fs_path

TEMPLATES = "templates"
MAX_FOLDERS = 3


def template_folders(root: Path, near: str, exists: Callable[[Path], bool]) -> list[Path]:
    """The folders the template could be created in, the likeliest first."""
    found: list[Path] = []
    start = _below(root, Path(near).parent) if near else None
    if start is not None:
        folder = start
        while True:
            if exists(folder / TEMPLATES):
                found.append(folder / TEMPLATES)
            if folder == root:
                break
            folder = folder.parent
    app_folder = _app_templates(root, start, exists)
    if app_folder not in found:
        found.append(app_folder)
    return found[:MAX_FOLDERS]


def _below(root: Path, folder: Path) -> Optional[Path]:
    """``folder`` when it is inside ``root`` (a site-packages file is not a place to write)."""
    return folder if folder == root or root in folder.parents else None


def _app_templates(root: Path, start: Optional[Path], exists: Callable[[Path], bool]) -> Path:
    """Flask's default: ``templates`` beside the app's module, that is in the package's top
    folder for an app in a package (``flaskr/templates``), else at the root."""
    if start is not None and start != root:
        top = root / start.relative_to(root).parts[0]
        if exists(top / "__init__.py"):
            return top / TEMPLATES
    return root / TEMPLATES


def create_edit(folder: Path, template: str) -> lsp.WorkspaceEdit:
    """A WorkspaceEdit that creates ``folder/template`` (empty), leaving an existing one."""
    uri = from_fs_path(str(folder / template)) or ""
    options = lsp.CreateFileOptions(overwrite=False, ignore_if_exists=True)
    return lsp.WorkspaceEdit(document_changes=[lsp.CreateFile(uri=uri, options=options)])


def shown(root: Path, path: Path) -> str:
    """A path as the action's title names it: relative to the project when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
