"""Files received from a client, the one way they are stored: written to a temporary file
beside their destination while their SHA-256 and size are taken (one pass, constant memory),
then moved into place atomically, readable by the service's group only (0640) — or removed."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def received(stream: IO[bytes], folder: Path, prefix: str = ".recu-") -> Iterator[Spooled]:
    """``stream`` spooled into ``folder`` for the block's checks; whatever the block did not
    ``keep`` is removed when it ends, refused or not."""
    spooled = spool(stream, folder, prefix)
    try:
        yield spooled
    finally:
        spooled.path.unlink(missing_ok=True)


def keep(spooled: Spooled, target: Path) -> Path:
    """Move a spooled file to ``target`` (0640, atomically: a reader sees all of it or none)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(spooled.path, 0o640)
    os.replace(spooled.path, target)
    return target
