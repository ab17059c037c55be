"""The editor configs exactly as README.md shows them.

Each tested config is the fenced code block right after an HTML comment
``<!-- editor-config: NAME -->``; the tests run that text, unchanged, in the real editor.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(
    r"<!-- editor-config: (?P<name>[^>]+?) -->\n```[\w-]*\n(?P<text>.*?)\n```", re.DOTALL
)


def config_blocks(readme: Path = README) -> dict[str, str]:
    """NAME -> the code of its block, for every marked block of the README."""
    return {m["name"]: m["text"] + "\n" for m in _BLOCK.finditer(readme.read_text())}


def config_block(name: str) -> str:
    blocks = config_blocks()
    if name not in blocks:
        raise LookupError(f"README.md has no block marked <!-- editor-config: {name} -->")
    return blocks[name]
