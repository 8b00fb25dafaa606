"""The periodic schedule, the weekly clean-up, the status command and the log file's rotation."""

from __future__ import annotations

import datetime as dt
import json
import logging.handlers
import os
import subprocess
import sys
import time
from typing import Any

from huey import MemoryHuey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import settings_environ, settings_overrides
from wisebook import settings as settings_module
from wisebook.db import models
from wisebook.observability import logs
from wisebook.ops import housekeeping
from wisebook.services.platform import taskruns
from wisebook.tasks.queue import Queue


def at(hour: int, minute: int, weekday: int = 2) -> dt.datetime:
    """A moment of the week of 2026-11-23 (Monday = 0), as Huey's scheduler asks."""
    return dt.datetime(2026, 11, 23 + weekday, hour, minute)


def test_the_periodic_tasks_run_when_the_guide_says(engine, backend_settings):
    periodic = Queue(backend_settings, engine, MemoryHuey("planning")).periodic

    def runs(name: str, moment: dt.datetime) -> bool:
        return bool(periodic[name].task_class().validate_datetime(moment))

    assert runs("daily_backup", at(2, 0)) and not runs("daily_backup", at(3, 0))
    assert runs("health_check", at(10, 5)) and not runs("health_check", at(10, 7))
    assert runs("deliver_webhooks", at(10, 7)) and runs("recover", at(10, 7))
    assert runs("weekly_drill", at(3, 30, weekday=6)) and not runs("weekly_drill", at(3, 30, weekday=5))
    assert runs("housekeeping", at(4, 0, weekday=6)) and not runs("housekeeping", at(4, 0, weekday=2))
    later = Queue(
        settings_module.load({**_overrides(backend_settings), "wisebook_backup_hour": 23}, environ={}),
        engine,
        MemoryHuey("planning-23"),
    ).periodic
    assert later["daily_backup"].task_class().validate_datetime(at(23, 0))


def _overrides(settings: Any) -> dict[str, Any]:
    return settings_overrides(settings)


def test_the_weekly_clean_up_forgets_only_what_has_expired(engine, books, tmp_path):
    now = dt.datetime(2026, 11, 29, 4, 0, tzinfo=dt.UTC)
    with Session(engine) as s, s.begin():
        old = taskruns.create(s, "verification", company_id=books.company_id)
        old.state, old.created_at = taskruns.SUCCEEDED, now - dt.timedelta(days=91)
        recent = taskruns.create(s, "verification", company_id=books.company_id)
        recent.state, recent.created_at = taskruns.SUCCEEDED, now - dt.timedelta(days=10)
        stuck = taskruns.create(s, "verification", company_id=books.company_id)
        stuck.created_at = now - dt.timedelta(days=200)  # still queued: never forgotten
        user_id = s.scalar(select(models.User.id))
        s.add(
            models.IdempotencyKey(
                user_id=user_id, key="vieille", request_hash="h", created_at=now - dt.timedelta(days=3)
            )
        )
        s.add(models.IdempotencyKey(user_id=user_id, key="fraiche", request_hash="h", created_at=now))
        s.add(models.RateCounter(key="ip:1", window_start=int(now.timestamp()) - 7200, count=3))
        s.add(models.RateCounter(key="ip:2", window_start=int(now.timestamp()) - 60, count=1))
    with Session(engine) as s, s.begin():
        done = housekeeping.clean_database(s, now, session_absolute_seconds=12 * 3600)
    assert (done["taches"], done["idempotence"], done["compteurs"]) == (1, 1, 1)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(models.TaskRun)) == 2
        assert s.scalars(select(models.IdempotencyKey.key)).all() == ["fraiche"]
        assert s.scalars(select(models.RateCounter.key)).all() == ["ip:2"]

    current = tmp_path / "web.log"
    names = ["web.log", "web.log.1", "web.log.2", "worker.log.10", "notes.txt"]
    for name in names:
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (time.time() - 40 * 86400,) * 2)
    removed = housekeeping.clean_logs(tmp_path, time.time())
    assert sorted(p.name for p in removed) == ["web.log.1", "web.log.2", "worker.log.10"]
    assert current.exists() and (tmp_path / "notes.txt").exists()

    received = tmp_path / "imports" / "1"
    received.mkdir(parents=True)
    for name, age_days in (("ancien.csv", 8), (".recu-coupe", 9), ("recent.xlsx", 1)):
        (received / name).write_text("x")
        os.utime(received / name, (time.time() - age_days * 86400,) * 2)
    gone = housekeeping.clean_import_files(tmp_path / "imports", time.time())
    assert sorted(p.name for p in gone) == [".recu-coupe", "ancien.csv"]
    assert (received / "recent.xlsx").exists()


def test_status_json_tells_the_operator_what_runs(backend_settings, engine, books):
    env = {**os.environ, **settings_environ(backend_settings)}
    done = subprocess.run(
        [sys.executable, "-m", "wisebook.cli", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout)
    assert state["base"]["revision"] is not None
    assert state["profil"] == ("embarqué" if backend_settings.embedded else "appliance")
    assert state["processus"]["worker"]["status"] == "degraded"  # no worker in this test
    assert state["sante"] == "degraded"
    for secret in (backend_settings.secret_key, backend_settings.backup_signing_key):
        assert secret not in done.stdout


def test_log_files_rotate_at_100_mb_keeping_ten(backend_settings, tmp_path):
    settings = settings_module.load(
        {**_overrides(backend_settings), "log_file": str(tmp_path / "logs" / "worker.log")}, environ={}
    )
    handler = logs.configure(settings, "worker")
    try:
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        assert (handler.maxBytes, handler.backupCount) == (100 * 1024 * 1024, 10)
        logging.getLogger("wisebook.essai").warning("démarrage")
        handler.flush()
        assert "démarrage" in (tmp_path / "logs" / "worker.log").read_text(encoding="utf-8")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
