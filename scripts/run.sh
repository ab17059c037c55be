#!/usr/bin/env bash
# Sets up on a fresh machine, then runs the terminal front end: on the given project
# folder, or on the bundled example app. Extra arguments go to `failsafe-flask run`.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/scripts/setup-python.sh"
project="$here/examples/hello"
if [ $# -gt 0 ] && [ -d "$1" ]; then project="$(cd "$1" && pwd)"; shift; fi
cd "$project"
exec "$here/.venv/bin/failsafe-flask" run "$@"
