"""The Huey instance: Redis in the appliance, SQLite in the embedded profile."""

from __future__ import annotations

from huey import RedisHuey, SqliteHuey
from huey.api import Huey

from .settings import Settings


def make_huey(settings: Settings) -> Huey:
    """Huey on Redis when ``REDIS_URL`` is set, else on a SQLite file in the data dir."""
    if settings.redis_url:
        return RedisHuey("wisebook", url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("wisebook", filename=str(settings.data_dir / "huey.sqlite3"))
