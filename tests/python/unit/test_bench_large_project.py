"""The large benchmark project's generator: the size it promises, code that compiles,
markers where the benchmark saves, and (when its packages are installed) an app that
imports and serves the three markers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).parents[3] / "bench"))  # last: no bench name shadows

from large_project import FACTORY, LEAF, MARKERS, SHARED, LargeProject, files


def test_about_300_modules_in_several_packages_that_compile() -> None:
    project = files()
    modules = [name for name in project if name.endswith(".py")]
    assert 300 <= len(modules) <= 320
    packages = {name.rsplit("/", 1)[0] for name in modules if name.endswith("/__init__.py")}
    assert len(packages) >= 5
    for name, text in project.items():
        compile(text, name, "exec")


def test_the_shared_models_module_is_imported_by_many() -> None:
    importers = [text for text in files().values() if "base import" in text]
    assert len(importers) >= 150


def test_saving_a_marker_changes_the_page_and_reset_restores_it(tmp_path: Path) -> None:
    project = LargeProject(tmp_path / "p", areas=2)
    project.create()
    first = project.page()
    assert first == " ".join(MARKERS[name] for name in (LEAF, SHARED, FACTORY))
    page = project.save_marker(SHARED, "shared-new")
    assert "shared-new" in page and "shared-new" in (project.root / SHARED).read_text()
    project.reset()
    assert project.page() == first and MARKERS[SHARED] in (project.root / SHARED).read_text()
    assert not list(project.root.rglob("*.tmp~"))


def test_a_small_one_imports_and_serves_the_markers(tmp_path: Path) -> None:
    for name in ("flask_sqlalchemy", "flask_wtf", "marshmallow"):
        pytest.importorskip(name, reason="bench/requirements-large.txt is not installed")
    project = LargeProject(tmp_path / "p", areas=3)
    project.create()
    code = "from app import app; print(app.test_client().get('/').get_data(as_text=True))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == project.page()
