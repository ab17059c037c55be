#!/usr/bin/env bash
# Sets up on a fresh machine and runs every test: lint and types, the Python suite
# (unit, integration, language server end to end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-python.sh
echo "== ruff"; .venv/bin/ruff check server tests/python
echo "== mypy"; .venv/bin/mypy
echo "== pytest"; .venv/bin/pytest tests/python "$@"
