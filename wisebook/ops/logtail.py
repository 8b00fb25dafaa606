"""``wisebook-ctl tail``: the programs' logs, merged in time order and made readable.

Each supervisor program writes its own file (``/var/log/wisebook/<program>.log``), one JSON
object per line (``LOG_FORMAT=json``); waitress's or a traceback's lines are plain text. The
last lines of every file are merged by time (a plain line follows the line before it), each
shown as ``time program level source message``; ``follow`` then prints what is appended,
across rotations (a new file under the same name is read from its start).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

BLOCK = 64 * 1024


@dataclass(frozen=True)
class Line:
    program: str
    raw: str
    at: str  # the line's time, or the time of the line before it (plain lines)


def programs(folder: Path) -> list[str]:
    """The programs that have a log in ``folder``."""
    return sorted(p.stem for p in folder.glob("*.log")) if folder.is_dir() else []


def last_lines(path: Path, count: int) -> list[str]:
    """The last ``count`` lines of a file, read from its end."""
    if count <= 0:
        return []
    with path.open("rb") as stream:
        stream.seek(0, os.SEEK_END)
        end = stream.tell()
        data = b""
        while end > 0 and data.count(b"\n") <= count:
            start = max(0, end - BLOCK)
            stream.seek(start)
            data = stream.read(end - start) + data
            end = start
    lines = data.decode("utf-8", errors="replace").splitlines()
    return lines[-count:]


def _time_of(raw: str) -> str | None:
    if raw.startswith("{"):
        try:
            return str(json.loads(raw).get("horodatage") or "") or None
        except (ValueError, AttributeError):
            return None
    return None


def timed(program: str, raws: Iterable[str], before: str = "") -> list[Line]:
    lines = []
    for raw in raws:
        before = _time_of(raw) or before
        lines.append(Line(program, raw, before))
    return lines


def merged(folder: Path, names: Sequence[str], count: int) -> list[Line]:
    """The last ``count`` lines of all the programs' logs, in time order."""
    lines: list[Line] = []
    for name in names:
        lines += timed(name, last_lines(folder / f"{name}.log", count))
    lines.sort(key=lambda line: line.at)  # stable: a file's plain lines stay after their line
    return lines[-count:]


def shown(line: Line, raw: bool = False) -> str:
    """A line as the operator reads it (``raw``: as written)."""
    if raw:
        return f"{line.program} {line.raw}"
    if line.raw.startswith("{"):
        try:
            event = json.loads(line.raw)
        except ValueError:
            event = None
        if isinstance(event, dict):
            extra = " ".join(
                f"{key}={value}"
                for key, value in event.items()
                if key not in ("horodatage", "niveau", "source", "message") and value is not None
            )
            return (
                f"{event.get('horodatage', ''):<23} {line.program:<9} {event.get('niveau', ''):<7} "
                f"{event.get('source', '')} : {event.get('message', '')}" + (f" [{extra}]" if extra else "")
            )
    return f"{'':<23} {line.program:<9} {line.raw}"


def follow(
    folder: Path,
    names: Sequence[str],
    emit: Callable[[Line], None],
    *,
    stop: Callable[[], bool] = lambda: False,
    interval: float = 0.5,  # float-ok: seconds
) -> None:
    """Print what is appended to the logs from now on, until ``stop()``."""
    state: dict[str, tuple[int, int]] = {}  # program -> (inode, offset)
    for name in names:
        path = folder / f"{name}.log"
        if path.exists():
            st = path.stat()
            state[name] = (st.st_ino, st.st_size)
    pending: dict[str, bytes] = {}
    while not stop():
        for name in names:
            path = folder / f"{name}.log"
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            inode, offset = state.get(name, (st.st_ino, 0))
            if st.st_ino != inode or st.st_size < offset:
                offset, pending[name] = 0, b""  # rotated or truncated: the new file from its start
            if st.st_size > offset:
                with path.open("rb") as stream:
                    stream.seek(offset)
                    data = pending.get(name, b"") + stream.read(st.st_size - offset)
                complete, _, rest = data.rpartition(b"\n")
                pending[name] = rest
                if complete or data.endswith(b"\n"):
                    for line in timed(name, complete.decode("utf-8", errors="replace").splitlines()):
                        emit(line)
            state[name] = (st.st_ino, st.st_size)
        time.sleep(interval)
