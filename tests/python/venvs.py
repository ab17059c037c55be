"""Throwaway interpreters and packages for tests, made offline in a temporary folder.

``make_venv`` makes a virtual environment of its own (its own ``sys.executable`` and
site-packages, so pip installs there) that still sees the test environment's packages
(Flask, pip) through a ``.pth`` file: ``--system-site-packages`` would show the base
interpreter's, not this virtual environment's. ``make_wheel`` writes a one-module wheel
for pip to install from a local folder (``PIP_FIND_LINKS``), with no index.
"""

from __future__ import annotations

import site
import subprocess
import sys
import zipfile
from pathlib import Path

DEADLINE = 120.0


def make_venv(where: Path) -> Path:
    """A new virtual environment at ``where``; its python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=DEADLINE
    )
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    ).stdout.strip()
    ours = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (Path(purelib) / "test_environment.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    return python


def make_wheel(folder: Path, module: str, source: str, version: str = "1.0") -> Path:
    """A pure-Python wheel named after ``module`` holding ``module.py``."""
    folder.mkdir(parents=True, exist_ok=True)
    info = f"{module}-{version}.dist-info"
    members = {
        f"{module}.py": source,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {module}\nVersion: {version}\n",
        f"{info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{name},,\n" for name in members) + f"{info}/RECORD,,\n"
    path = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in {**members, f"{info}/RECORD": record}.items():
            wheel.writestr(name, text)
    return path
