"""The frozen bundle (PyInstaller, onedir) the appliance ships in /opt/wisebook: built once per
run from packaging/wisebook.spec, then run as the server runs it, without the project's
Python or its virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "bundle" / "wisebook"


@pytest.fixture(scope="session")
def bundle() -> Path:
    """``wisebook-ctl`` of a bundle built from the working tree (built afresh under CI, or when
    a source is newer than the bundle)."""
    program = BUNDLE / "wisebook-ctl"
    sources = [p for p in (ROOT / "wisebook").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    sources += [ROOT / "packaging" / "wisebook.spec", *(ROOT / "migrations").rglob("*.py")]
    sources += list((ROOT / "appliance" / "templates").iterdir())
    fresh = program.exists() and program.stat().st_mtime > max(p.stat().st_mtime for p in sources)
    if os.environ.get("CI") or not fresh:
        shutil.rmtree(BUNDLE, ignore_errors=True)
        subprocess.run(
            [
                str(Path(sys.executable).with_name("pyinstaller")),
                "--noconfirm",
                "--log-level",
                "WARN",
                "--distpath",
                str(BUNDLE.parent),
                "--workpath",
                str(ROOT / "build" / "pyinstaller"),
                str(ROOT / "packaging" / "wisebook.spec"),
            ],
            cwd=ROOT,
            check=True,
        )
    return program


def frozen_env(**settings: str) -> dict[str, str]:
    """The environment of a frozen process: the machine's, without this Python's paths."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if ".venv" not in p)
    return env | {"LOG_LEVEL": "WARNING", **settings}


@pytest.fixture(scope="session")
def deb(bundle: Path) -> Path:
    built = subprocess.run(
        ["sh", str(ROOT / "packaging/build-deb.sh")], capture_output=True, text=True, check=True
    )
    return Path(built.stdout.strip().splitlines()[-1])
