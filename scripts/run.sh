#!/usr/bin/env bash
# Sets up on a fresh machine, then runs the terminal front end: on the given project
# folder, or on the bundled example app. Extra arguments go to `failsafe-flask run`.
#   scripts/run.sh --vscode [--port N] [PROJECT_DIR]   the same in VS Code (code-server),
#   opened in a browser: see scripts/run-vscode.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ "${1:-}" = "--vscode" ]; then shift; exec "$here/scripts/run-vscode.sh" "$@"; fi
"$here/scripts/setup-python.sh"
project="$here/examples/hello"
if [ $# -gt 0 ] && [ -d "$1" ]; then project="$(cd "$1" && pwd)"; shift; fi
cd "$project"
exec "$here/.venv/bin/failsafe-flask" run "$@"
