"""The folder that lends an app process our package, and nothing else of ours."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from failsafe_flask.supervisor.package import PackageFolder


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where mkdtemp makes folders during the test."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _installed(tmp_path: Path) -> Path:
    """A package installed in a site-packages beside other packages (Flask, ...)."""
    package = tmp_path / "lib" / "site-packages" / "failsafe_flask"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package.parent / "flask").mkdir()
    return package


def test_a_source_tree_lends_its_parent_and_makes_no_folder(tmp_path: Path, temp: Path) -> None:
    package = tmp_path / "server" / "failsafe_flask"
    package.mkdir(parents=True)
    folder = PackageFolder(package)
    assert folder.parent() == str(package.parent)
    folder.remove()
    assert list(temp.iterdir()) == []


def test_an_installed_package_gets_one_private_folder_removed_at_the_end(
    tmp_path: Path, temp: Path
) -> None:
    package = _installed(tmp_path)
    folder = PackageFolder(package)
    parent = folder.parent()
    assert folder.parent() == parent  # one per supervisor, not per launch
    assert Path(parent) != package.parent
    assert [p.name for p in Path(parent).iterdir()] == ["failsafe_flask"]  # no flask beside
    assert (Path(parent) / "failsafe_flask" / "__init__.py").exists()
    assert list(temp.iterdir()) == [Path(parent)]
    folder.remove()
    assert list(temp.iterdir()) == []
    assert (package / "__init__.py").exists()  # the link went, not what it points to
    second = folder.parent()  # started again after a stop
    folder.remove()
    assert second and list(temp.iterdir()) == []
