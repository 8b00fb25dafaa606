"""The health of an installation: each check ``ok``, ``degraded`` or ``down``, and the whole.

The database down is ``down`` (nothing works: 503); anything else that fails is ``degraded``
(the books can be kept, but background work, backups or space need the operator).
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from wisebook.db import READ_ONLY
from wisebook.ops import backups
from wisebook.settings import Settings

OK, DEGRADED, DOWN = "ok", "degraded", "down"
HEARTBEAT_MAX_AGE = 60  # seconds without a process heartbeat before it is taken for stopped
BACKUP_MAX_AGE = 26 * 3600  # a daily backup, with two hours of slack
DISK_WARN, DISK_FULL = 0.85, 0.95  # float-ok: ratios of the data disk used
QUEUE_MAX = 100


def _check(status: str, **detail: Any) -> dict[str, Any]:
    return {"status": status, **detail}


def database(engine: Engine) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        # A read-only (deferred) transaction: on SQLite the request's own session may already
        # hold the write lock (pyramid_tm looks the caller up), and WAL lets a reader through.
        with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means the database is down
        engine.dispose()  # drop the pool's dead connections: the next request reconnects
        return _check(DOWN, detail=type(exc).__name__)
    return _check(OK, ms=round((time.perf_counter() - started) * 1000, 1))  # float-ok: ms


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> Any:
    """One client (and its connection pool) per Redis URL and process: a check reuses a kept
    connection instead of opening one; a connection Redis dropped is opened again by the pool."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def redis_check(settings: Settings) -> dict[str, Any] | None:
    if not settings.redis_url:
        return None
    try:
        _redis(settings.redis_url).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means Redis is unreachable
        return _check(DOWN, detail=type(exc).__name__)
    return _check(OK)


def heartbeat(queue: Any, role: str, now: float) -> dict[str, Any]:  # float-ok: Unix time
    try:
        beat = queue.process_beat(role)
    except Exception as exc:  # noqa: BLE001 - the queue's store is away
        return _check(DEGRADED, detail=f"file injoignable ({type(exc).__name__})")
    if beat is None:
        return _check(DEGRADED, detail="aucun battement de cœur : le processus n'a jamais tourné")
    age = round(now - float(beat["beat"]))  # float-ok: seconds
    if age > HEARTBEAT_MAX_AGE:
        return _check(DEGRADED, age_s=age, detail=f"silencieux depuis {age} s", processus=beat["worker"])
    return _check(OK, age_s=age, processus=beat["worker"])


def disk(settings: Settings) -> dict[str, Any]:
    path = settings.data_dir if settings.data_dir.exists() else settings.data_dir.parent
    usage = shutil.disk_usage(path)
    ratio = usage.used / usage.total  # float-ok: a ratio
    detail = {"utilise_pct": round(ratio * 100, 1), "libre_mo": usage.free // (1024 * 1024)}
    if ratio >= DISK_FULL:
        return _check(DOWN if ratio >= 0.99 else DEGRADED, **detail)  # float-ok: ratio
    return _check(DEGRADED if ratio >= DISK_WARN else OK, **detail)


def backup_age(settings: Settings, queue: Any, now: float) -> dict[str, Any]:  # float-ok: Unix time
    last = backups.latest(settings)
    if last is None:
        try:
            beat = queue.process_beat("scheduler")
        except Exception:  # noqa: BLE001
            beat = None
        if beat is not None and now - float(beat["since"]) < BACKUP_MAX_AGE:  # float-ok: seconds
            return _check(OK, detail="aucune sauvegarde encore : la première est planifiée")
        return _check(DEGRADED, detail="aucune sauvegarde")
    age = round(now - last.created_at.timestamp())
    status = OK if age <= BACKUP_MAX_AGE else DEGRADED
    return _check(status, age_s=age, fichier=last.path.name)


def queue_length(queue: Any) -> dict[str, Any]:
    try:
        pending = queue.pending_count()
    except Exception as exc:  # noqa: BLE001
        return _check(DEGRADED, detail=f"file injoignable ({type(exc).__name__})")
    return _check(OK if pending <= QUEUE_MAX else DEGRADED, en_attente=pending)


def report(settings: Settings, engine: Engine, queue: Any) -> dict[str, Any]:
    """Every check and the overall status."""
    from wisebook import version

    now = time.time()
    checks: dict[str, Any] = {"database": database(engine)}
    redis_state = redis_check(settings)
    if redis_state is not None:
        checks["redis"] = redis_state
    queue_reachable = redis_state is None or redis_state["status"] == OK
    if queue_reachable:
        checks["worker"] = heartbeat(queue, "worker", now)
        checks["scheduler"] = heartbeat(queue, "scheduler", now)
        checks["queue"] = queue_length(queue)
    else:
        for name in ("worker", "scheduler", "queue"):
            checks[name] = _check(DEGRADED, detail="inconnu : Redis injoignable")
    checks["disk"] = disk(settings)
    checks["backup"] = backup_age(settings, queue if queue_reachable else None, now)
    statuses = {c["status"] for c in checks.values()}
    if checks["database"]["status"] == DOWN or checks["disk"]["status"] == DOWN:
        status = DOWN
    elif statuses == {OK}:
        status = OK
    else:
        status = DEGRADED
    return {
        "status": status,
        "checks": checks,
        "version": version(),
        "verifie_le": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
