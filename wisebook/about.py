"""What this installation is: its version (a leaf module, so any layer may ask)."""

from __future__ import annotations

import functools
import importlib.metadata
import sys
from pathlib import Path


@functools.cache
def version() -> str:
    """The installed version of WiseBook: the package's (``VERSION`` beside the frozen program,
    written by packaging/build-deb.sh), else the Python distribution's. Read once per process:
    it is the version of the code this process runs (an upgrade restarts the programs)."""
    if getattr(sys, "frozen", False):
        try:
            return (Path(sys.executable).parent / "VERSION").read_text(encoding="utf-8").strip()
        except OSError:
            pass
    try:
        return importlib.metadata.version("wisebook")
    except importlib.metadata.PackageNotFoundError:  # a frozen bundle without metadata
        return "3.0.0"
