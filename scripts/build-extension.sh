#!/usr/bin/env bash
# Builds the VS Code extension from a fresh clone: npm ci (when the lock changed), lint
# (eslint + tsc), unit tests, the bundled Python server and libraries, the .vsix
# (failsafe-flask.vsix at the top), then checks what the .vsix holds.
#   --libs-only   only refresh bundled/ (what `npm run package` calls)
set -euo pipefail
cd "$(dirname "$0")/.."

# The language server's pure-Python dependencies, shipped inside the .vsix so users only
# need Flask: pinned with their hashes in one file.
REQUIREMENTS=extension/bundled-requirements.txt

python=${PYTHON:-python3}
[ -x .venv/bin/python ] && python=.venv/bin/python

bundle_libs() {
  echo "== bundled/: $REQUIREMENTS + server/failsafe_flask"
  rm -rf bundled
  # --python-version 3.9 with --only-binary makes pip refuse anything that is not a
  # universal wheel installable on the oldest Python we support.
  "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-compile --no-deps \
    --only-binary=:all: --implementation py --python-version 3.9 --require-hashes \
    --target bundled/libs -r "$REQUIREMENTS"
  rm -rf bundled/libs/bin
  mkdir -p bundled/server
  cp -R server/failsafe_flask bundled/server/failsafe_flask
  find bundled -name __pycache__ -type d -prune -exec rm -rf {} +
  find bundled -name '*.py[co]' -delete
  check_bundled_imports
  find bundled -name __pycache__ -type d -prune -exec rm -rf {} +
}

# The bundled server must import with only the bundled libraries, as in a user's
# environment that has nothing but Flask (-S: no site-packages).
check_bundled_imports() {
  # The server runs in the user's interpreter: check the oldest we support too, when
  # this machine has it (pyenv's 3.9 on the project's machines).
  local py old
  old=$(ls -d "$HOME"/.pyenv/versions/3.9*/bin/python3.9 2>/dev/null | head -n 1 || true)
  for py in "$python" $old; do
    PYTHONDONTWRITEBYTECODE=1 "$py" -S - <<'PY'
import sys
sys.path[:0] = ["bundled/libs", "bundled/server"]
import attrs, cattrs, lsprotocol.types, pygls.lsp.server  # noqa: E401
import failsafe_flask.lsp.main  # noqa: F401 - watchfiles is optional, imported lazily
from failsafe_flask.supervisor.package import debugpy_folder
assert debugpy_folder() is not None, "the bundled debugpy is not found"  # the debug sessions' debugger
print(f"bundled server imports on Python {sys.version.split()[0]}: ok")
PY
  done
}

npm_ci() {
  local stamp
  stamp="node_modules/.ci-$(sha256sum <package-lock.json | cut -c1-16)"
  if [ -f "$stamp" ]; then return; fi
  echo "== npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
}

check_vsix() {
  echo "== check failsafe-flask.vsix"
  "$python" - failsafe-flask.vsix <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
required = [
    "extension/package.json",
    "extension/changelog.md",
    "extension/extension/media/icon.png",
    "extension/extension/media/walkthrough/start.md",
    "extension/extension/media/walkthrough/debug.md",
    "extension/out/extension.js",
    "extension/bundled/server/failsafe_flask/__init__.py",
    "extension/bundled/server/failsafe_flask/__main__.py",
    "extension/bundled/server/failsafe_flask/protocol.py",
    "extension/bundled/server/failsafe_flask/lsp/__init__.py",
    "extension/bundled/libs/pygls/__init__.py",
    "extension/bundled/libs/lsprotocol/types.py",
    "extension/bundled/libs/cattrs/__init__.py",
    "extension/bundled/libs/attrs/__init__.py",
    "extension/bundled/libs/typing_extensions.py",
    "extension/bundled/libs/debugpy/__init__.py",
    "extension/bundled/libs/debugpy/adapter/__main__.py",
]
forbidden = ("node_modules/", "extension/extension/src/", "extension/tests/", "extension/server/",
             ".venv/", "__pycache__/", "extension/out/test/", "extension/bundled/libs/watchfiles/")
missing = [n for n in required if n not in names]
bad = sorted({n for n in names for f in forbidden if f in n})
if missing or bad:
    for n in missing: print("missing from the vsix:", n)
    for n in bad[:20]: print("must not be in the vsix:", n)
    sys.exit(1)
print(f"vsix ok: {len(names)} files")
PY
}

if [ "${1:-}" = "--libs-only" ]; then bundle_libs; exit 0; fi

npm_ci
echo "== lint"; npm run --silent lint
echo "== unit tests"; npm run --silent test:extension
echo "== package"; rm -f failsafe-flask.vsix; npm run --silent package
check_vsix
