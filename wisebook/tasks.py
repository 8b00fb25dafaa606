"""Background work on Huey: Redis in the appliance, SQLite in the embedded profile.

``make_huey`` builds the queue; ``register`` declares WiseBook's tasks on it with the
engine and settings they need (no work at import time: the web processes, the worker and
the tests each build their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .services import webhooks
from .settings import Settings


def make_huey(settings: Settings) -> Huey:
    """Huey on Redis when ``REDIS_URL`` is set, else on a SQLite file in the data dir."""
    if settings.redis_url:
        return RedisHuey("wisebook", url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("wisebook", filename=str(settings.data_dir / "huey.sqlite3"))


@dataclass(frozen=True)
class Tasks:
    """WiseBook's tasks on one Huey instance."""

    deliver_webhooks: Any


def register(huey: Huey, engine: Engine, settings: Settings) -> Tasks:
    """Declare the tasks on ``huey``."""

    @huey.periodic_task(crontab(minute="*"), name="wisebook.deliver_webhooks")
    def deliver_webhooks() -> tuple[int, int]:
        """Every minute: try each webhook delivery whose time has come (first try or retry
        after its backoff); returns how many were delivered and how many still wait."""
        delivered = waiting = 0
        with Session(engine) as session:
            ready = webhooks.due(session)
        for delivery_id in ready:  # each attempt recorded in its own transaction
            with Session(engine) as session, session.begin():
                if webhooks.deliver(session, delivery_id, settings.webhook_secret):
                    delivered += 1
                else:
                    waiting += 1
        return delivered, waiting

    return Tasks(deliver_webhooks=deliver_webhooks)
