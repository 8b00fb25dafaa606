"""The weekly clean-up: what is kept only for a while, and rotated log files past their time."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.services.platform import taskruns

TASK_RUNS_KEPT_DAYS = 90
DELIVERIES_KEPT_DAYS = 30
IDEMPOTENCY_KEPT_DAYS = 2
LOGS_KEPT_DAYS = 30
IMPORT_FILES_KEPT_DAYS = 7


def clean_database(session: Session, now: dt.datetime, session_absolute_seconds: int) -> dict[str, int]:
    """Forget finished runs, delivered webhooks, ended sessions, old counters; how many of each."""

    def ago(days: float) -> dt.datetime:  # float-ok: days
        return now - dt.timedelta(days=days)

    def count(result: object) -> int:
        return int(getattr(result, "rowcount", 0) or 0)

    ended = now - dt.timedelta(seconds=session_absolute_seconds)
    done = {
        "taches": taskruns.prune(session, ago(TASK_RUNS_KEPT_DAYS)),
        "livraisons": count(
            session.execute(
                delete(models.WebhookDelivery).where(
                    models.WebhookDelivery.status != "en_attente",
                    models.WebhookDelivery.created_at < ago(DELIVERIES_KEPT_DAYS),
                )
            )
        ),
        "sessions": count(
            session.execute(
                delete(models.BrowserSession).where(
                    or_(
                        models.BrowserSession.revoked_at.is_not(None),
                        models.BrowserSession.created_at < ended,
                    )
                )
            )
        ),
        "compteurs": count(
            session.execute(
                delete(models.RateCounter).where(models.RateCounter.window_start < now.timestamp() - 3600)
            )
        ),
        "idempotence": count(
            session.execute(
                delete(models.IdempotencyKey).where(
                    models.IdempotencyKey.created_at < ago(IDEMPOTENCY_KEPT_DAYS)
                )
            )
        ),
    }
    return done


UnixTime = float  # float-ok: seconds since the epoch, as time.time() gives them


def clean_logs(folder: Path, now: UnixTime, kept_days: int = LOGS_KEPT_DAYS) -> list[Path]:
    """Delete rotated log files (``*.log.N``, ``*.log.N.gz``) older than ``kept_days``; never the
    file being written."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    cutoff = now - kept_days * 86400
    for path in folder.iterdir():
        rotated = ".log." in path.name and path.name.rsplit(".log.", 1)[1].split(".")[0].isdigit()
        if path.is_file() and rotated and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    return removed


def clean_import_files(folder: Path, now: UnixTime, kept_days: int = IMPORT_FILES_KEPT_DAYS) -> list[Path]:
    """Delete files received for import and still there after ``kept_days``: a run that failed
    for good, or an upload cut off. A run removes its file itself once it has run."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    cutoff = now - kept_days * 86400
    for path in folder.glob("*/*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    return removed


def now_utc() -> dt.datetime:
    return dt.datetime.fromtimestamp(time.time(), dt.UTC)
