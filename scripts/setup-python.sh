#!/usr/bin/env bash
# Creates .venv with the package (editable) and its dev tools (the `dev` dependency
# group), installed from pylock.toml with hashes when the lock fits this Python, else
# resolved from pyproject.toml. A second run with unchanged inputs does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
stamp=.venv/.installed-$(cat pyproject.toml pylock.toml | sha256sum | cut -c1-16)
if [ -f "$stamp" ]; then exit 0; fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip  # pylock.toml and --group need pip >= 25.1
if ! .venv/bin/python -m pip install --quiet -r pylock.toml 2>/dev/null; then
  echo "setup-python: pylock.toml does not fit $(.venv/bin/python -V); resolving pyproject.toml instead" >&2
  .venv/bin/python -m pip install --quiet --group dev
fi
.venv/bin/python -m pip install --quiet --no-deps -e .
rm -f .venv/.installed-*
touch "$stamp"
