"""Counting failures per key in fixed one-minute windows: login throttling.

Two stores behind one interface, as DESIGN §5 gives them: the database in the embedded
profile (a counter row per key, upserted in its own short transaction so that the refused
request's rollback cannot undo it) and Redis in the appliance (INCR with an expiry). Both
are shared by every web process, unlike a counter in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import case, select
from sqlalchemy.engine import Engine

from wisebook.db import READ_ONLY, dialect, models

WINDOW_SECONDS = 60


def window(now: float) -> tuple[int, int]:  # float-ok: a clock reading in seconds, not money
    """The current window's start and the whole seconds left until it ends (at least 1)."""
    start = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
    return start, max(1, int(start + WINDOW_SECONDS - now + 0.999))


class Limiter(Protocol):
    """Failure counters per key, in fixed windows."""

    clock: Callable[[], float]

    def count(self, key: str) -> tuple[int, int]:
        """Failures of ``key`` in the current window, and the seconds the window has left."""

    def fail(self, key: str) -> int:
        """Count one more failure of ``key``; the window's count after it."""


class DatabaseLimiter:
    """Counters in the ``rate_counters`` table."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def count(self, key: str) -> tuple[int, int]:
        start, left = window(self.clock())
        with self.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            row = conn.execute(
                select(models.RateCounter.window_start, models.RateCounter.count).where(
                    models.RateCounter.key == key
                )
            ).one_or_none()
        return (int(row[1]) if row is not None and row[0] == start else 0), left

    def fail(self, key: str) -> int:
        start, _ = window(self.clock())
        table = models.RateCounter.__table__
        with self.engine.begin() as conn:
            upsert = (
                dialect.insert(conn, table)
                .values(key=key, window_start=start, count=1)
                .on_conflict_do_update(
                    index_elements=[table.c.key],
                    set_={
                        "count": case((table.c.window_start == start, table.c.count + 1), else_=1),
                        "window_start": start,
                    },
                )
            )
            return int(conn.execute(upsert.returning(table.c.count)).scalar_one())


class RedisLimiter:
    """Counters in Redis keys that expire with their window."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2)
        self.clock = clock

    def _key(self, key: str, start: int) -> str:
        return f"wisebook:limite:{key}:{start}"

    def count(self, key: str) -> tuple[int, int]:
        start, left = window(self.clock())
        raw = self.client.get(self._key(key, start))
        return (int(raw) if raw is not None else 0), left  # type: ignore[arg-type]

    def fail(self, key: str) -> int:
        start, _ = window(self.clock())
        name = self._key(key, start)
        with self.client.pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, WINDOW_SECONDS * 2)
            count, _ = pipe.execute()
        return int(count)
