"""What the watcher looks for once armed (``supervisor.catchup``): files written since an
app process started, on a real folder, without looking inside the excluded ones."""

from __future__ import annotations

import os
import time
from pathlib import Path

from failsafe_flask.supervisor.catchup import written_since
from failsafe_flask.supervisor.triggers import WatchRules, holds_nothing_relevant

SINCE_NS = time.time_ns() - 10 * 1_000_000_000  # ten seconds ago


def _file(path: Path, age: float) -> str:
    """A file last written ``age`` seconds after SINCE_NS (before it when negative)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x = 1\n")
    ns = SINCE_NS + round(age * 1e9)
    os.utime(path, ns=(ns, ns))
    return str(path)


def test_only_the_files_written_since_are_found(tmp_path: Path) -> None:
    _file(tmp_path / "app.py", -1)
    _file(tmp_path / "shop" / "models.py", -0.001)
    views = _file(tmp_path / "shop" / "views.py", 0.001)
    template = _file(tmp_path / "shop" / "templates" / "index.html", 2)
    found = written_since(str(tmp_path), SINCE_NS, lambda _: False)
    assert sorted(found) == sorted([views, template])


def test_skipped_folders_are_not_looked_into(tmp_path: Path) -> None:
    _file(tmp_path / ".venv" / "lib" / "site.py", 1)
    _file(tmp_path / "node_modules" / "x" / "index.js", 1)
    views = _file(tmp_path / "views.py", 1)
    rules = WatchRules(root=str(tmp_path))
    found = written_since(str(tmp_path), SINCE_NS, lambda f: holds_nothing_relevant(f, rules))
    assert found == [views]


def test_an_excluded_folder_holding_a_file_an_error_named_is_looked_into(
    tmp_path: Path,
) -> None:
    named = _file(tmp_path / ".venv" / "lib" / "broken.py", 1)
    _file(tmp_path / ".venv" / "other" / "fine.py", 1)
    rules = WatchRules(root=str(tmp_path)).with_named([named])
    found = written_since(str(tmp_path), SINCE_NS, lambda f: holds_nothing_relevant(f, rules))
    assert found == [named]


def test_a_missing_root_finds_nothing(tmp_path: Path) -> None:
    assert written_since(str(tmp_path / "gone"), SINCE_NS, lambda _: False) == []


def test_a_symlinked_folder_is_not_followed(tmp_path: Path) -> None:
    _file(tmp_path / "elsewhere" / "new.py", 1)
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "link").symlink_to(tmp_path / "elsewhere")
    assert written_since(str(tmp_path / "project"), SINCE_NS, lambda _: False) == []
