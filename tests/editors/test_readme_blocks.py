"""The README's marked config blocks: one per documented editor, and the one no CI
editor can run (Helix) at least parses and names the server and its commands' IDs."""

from __future__ import annotations

import pytest

from editor_specs import EDITORS
from readme_blocks import config_blocks


def test_every_tested_editor_has_its_block_and_every_block_is_known() -> None:
    blocks = config_blocks()
    assert {editor.block for editor in EDITORS.values()} | {"helix (untested)"} == set(blocks)


def test_the_untested_helix_config_is_valid_toml_that_runs_the_server() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads(config_blocks()["helix (untested)"])
    server = config["language-server"]["failsafe-flask"]
    assert (server["command"], server["args"]) == ("failsafe-flask", ["lsp"])
    python = next(lang for lang in config["language"] if lang["name"] == "python")
    assert "failsafe-flask" in python["language-servers"]
