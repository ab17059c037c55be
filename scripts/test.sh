#!/usr/bin/env bash
# Sets up on a fresh machine and runs every test: Python lint and types, the Python suite
# (unit, integration, language server end to end), the extension (lint, unit tests,
# .vsix and its content), and the end-to-end test in a real VS Code.
#   SKIP_E2E=1 scripts/test.sh   everything but the real-VS Code test
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-python.sh
echo "== ruff"; .venv/bin/ruff check server tests/python bench
echo "== mypy"; .venv/bin/mypy
echo "== python package (build, twine check --strict)"; scripts/check-python-package.sh
echo "== pytest"; .venv/bin/pytest tests/python "$@"
echo "== extension"; scripts/build-extension.sh
if [ "${SKIP_E2E:-}" != "1" ]; then
  echo "== e2e"; FAILSAFE_VSIX="$PWD/failsafe-flask.vsix" scripts/test-e2e.sh
fi
