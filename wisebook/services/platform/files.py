"""Files received from a client: written to a temporary file beside their destination while
their SHA-256 and size are taken, in one pass and constant memory."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

BLOCK = 1 << 20


@dataclass(frozen=True)
class Spooled:
    """A received file, not yet in its place: where it is, its digest, size and first bytes."""

    path: Path
    sha256: str
    size: int
    head: bytes


def spool(stream: IO[bytes], folder: Path, prefix: str = ".recu-") -> Spooled:
    """Copy ``stream`` into a new file of ``folder`` (the caller moves or removes it)."""
    folder.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    with tempfile.NamedTemporaryFile(dir=folder, prefix=prefix, delete=False) as out:
        for block in iter(lambda: stream.read(BLOCK), b""):
            if not head:
                head = block[:16]
            digest.update(block)
            size += len(block)
            out.write(block)
    return Spooled(Path(out.name), digest.hexdigest(), size, head)
