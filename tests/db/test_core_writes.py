"""Writes run as Core (``db.run``) on a request's session commit with the request: the
transaction manager is told, or it would take the session for a reader and roll it back."""

from __future__ import annotations

import transaction
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from wisebook.db import get_tm_session, models, run, session_factory
from wisebook.db.meta import Base

AUDIT = Base.metadata.tables[models.AuditEntry.__tablename__]


def _count(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(models.AuditEntry)) or 0)


def test_a_core_write_commits_with_the_request_and_an_abort_takes_it_back(engine, books):
    before = _count(engine)
    manager = transaction.TransactionManager(explicit=True)
    for outcome in ("commit", "abort"):
        manager.begin()
        session = get_tm_session(session_factory(engine), manager)
        run(session, insert(AUDIT), method="POST", path="/essai/", action=outcome, status=201)
        getattr(manager, outcome)()
    assert _count(engine) == before + 1
    with Session(engine) as s:
        assert (
            s.scalars(select(models.AuditEntry.action).order_by(models.AuditEntry.id.desc())).first()
            == "commit"
        )
