#!/usr/bin/env bash
# Rewrites pylock.toml (PEP 751): the package's dependencies and the `dev` dependency
# group, exact versions with hashes. `pip lock` locks for the interpreter that runs it:
# run it with the Python the CI machine uses (scripts/setup-python.sh falls back to
# resolving pyproject.toml on any other).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
deps=$(mktemp)
trap 'rm -f "$deps"' EXIT
# The project itself is not in the lock: an editable install has no file to hash.
"$python" - >"$deps" <<'PY'
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["dependencies"]))
PY
"$python" -m pip lock --quiet --group dev -r "$deps" -o pylock.toml
echo "pylock.toml: $(grep -c '^\[\[packages\]\]' pylock.toml) packages"
