"""A worker process for the tests: WiseBook's own queue and jobs, plus one slow writing job.

``python -m tests.tasks.worker_app`` reads the same settings as ``wisebook-ctl worker`` (the
environment) and runs the same consumer; the extra job posts entries one by one in one
transaction, reporting progress between them, so a test can kill the process mid-way.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from wisebook import settings as settings_module
from wisebook.db import make_engine
from wisebook.ledger.entries import EntryDraft, LineDraft
from wisebook.services.books import companies
from wisebook.services.entries import posting
from wisebook.tasks.queue import JobContext, Queue, Transient, job

LABEL = "Lot de test"


@job("test.lot_lent", label="Lot d'écritures (tests)")
def slow_batch(
    ctx: JobContext, session: Session, count: int, pause: float = 0.1
) -> dict[str, Any]:  # float-ok
    """Post ``count`` sales, one every ``pause`` seconds, all in the run's one transaction."""
    company = companies.company_for_user(session, ctx.user_id, ctx.company_id)
    assert company is not None
    for number in range(count):
        draft = EntryDraft(
            journal="VTE",
            date=dt.date(2026, 2, 10),
            label=LABEL,
            reference=f"LOT-{number:04d}",
            lines=(
                LineDraft("4111", LABEL, Decimal(1180), Decimal(0)),
                LineDraft("7011", LABEL, Decimal(0), Decimal(1000)),
                LineDraft("4431", LABEL, Decimal(0), Decimal(180)),
            ),
        )
        posting.create_entry(session, company, draft, ctx.user_id, post=True)
        session.flush()
        ctx.progress(number + 1, count, f"écriture {number + 1} sur {count}")
        time.sleep(pause)
    return {"ecritures": count}


@job("test.fragile_une_fois", max_attempts=3, label="Tâche fragile (tests)")
def fragile_once(ctx: JobContext, session: Session, marker: str) -> dict[str, Any]:
    """Fails as a lost connection would on its first attempt (``marker`` records it), then
    succeeds: what the retry policy is for."""
    tried = Path(marker)
    if not tried.exists():
        tried.write_text("premier essai", encoding="utf-8")
        raise Transient("service absent au premier essai")
    return {"essais": 2}


if __name__ == "__main__":
    settings = settings_module.load()
    Queue(settings, make_engine(settings)).run_worker(workers=1)
