#!/usr/bin/env bash
# Builds the sdist and the wheel as the package index would receive them and checks what
# it would show: `twine check --strict` (the README renders, the metadata is complete),
# the POSIX-only classifiers, and that the wheel holds the package and nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.venv/bin/python -m build --quiet --outdir "$out" . >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
.venv/bin/twine check --strict "$out"/*.tar.gz "$out"/*.whl
.venv/bin/python - "$out" <<'PY'
import email, pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("*.whl"))
names = zipfile.ZipFile(wheel).namelist()
meta = email.message_from_string(zipfile.ZipFile(wheel).read(
    next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
problems = [n for n in names if not n.startswith(("failsafe_flask/", "failsafe_flask-"))]
if "failsafe_flask/lsp/server.py" not in names:
    problems.append("failsafe_flask/lsp/server.py missing")
if meta["License-Expression"] != "MIT":
    problems.append(f"License-Expression {meta['License-Expression']!r}")
systems = [c for c in meta.get_all("Classifier") if c.startswith("Operating System")]
if not systems or any("Windows" in c or "Independent" in c for c in systems):
    problems.append(f"operating systems {systems}")
if any(r.startswith("lsprotocol") for r in meta.get_all("Requires-Dist")):
    problems.append("lsprotocol pinned beside pygls")
for problem in problems:
    print("package:", problem)
if problems:
    sys.exit(1)
print(f"{wheel.name}: {len(names)} files, metadata ok")
PY
