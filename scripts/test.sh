#!/usr/bin/env bash
# Sets up on a fresh machine and runs every test: Python lint and types, the Python suite
# (unit, integration, language server end to end), the extension (lint, unit tests,
# .vsix and its content), the documented configs of Neovim, Emacs and Vim in those real
# editors, and the end-to-end test in a real VS Code.
#   SKIP_E2E=1 scripts/test.sh   everything but the real-VS Code test
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-python.sh
echo "== ruff"; .venv/bin/ruff check server tests/python tests/editors bench
echo "== mypy"; .venv/bin/mypy
echo "== python package (build, twine check --strict)"; scripts/check-python-package.sh
echo "== pytest"; .venv/bin/pytest tests/python "$@"
# On their own: the editors run side by side, each on its own project and free port.
echo "== editors"; scripts/setup-editors.sh; .venv/bin/pytest tests/editors
echo "== extension"; scripts/build-extension.sh
if [ "${SKIP_E2E:-}" != "1" ]; then
  echo "== e2e"; FAILSAFE_VSIX="$PWD/failsafe-flask.vsix" scripts/test-e2e.sh
fi
