"""Sealing posted entries: the one path that numbers them and links them into their journal's
hash chain, shared by posting one entry, importing a million, and ``verify`` recomputing them.

The lock is the journal counter row, taken by an UPDATE … RETURNING as late as possible and
held until commit: numbers stay gapless and each journal's chain linear, while postings into
other journals commit in parallel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from wisebook.db import dialect, models, run
from wisebook.db.meta import Base
from wisebook.ledger.chain import ChainEntry, ChainLine, link

_COUNTER = Base.metadata.tables[models.JournalCounter.__tablename__]
_ITS_COUNTER = (_COUNTER.c.journal_id == bindparam("b_journal")) & (
    _COUNTER.c.fiscal_year_id == bindparam("b_year")
)
#: Built once and run as Core (db.run): the counter bump, and the chain's new head.
_BUMP = (
    update(_COUNTER)
    .where(_ITS_COUNTER)
    .values(last_number=_COUNTER.c.last_number + bindparam("b_count"))
    .returning(_COUNTER.c.last_number, _COUNTER.c.last_hash)
)
_HEAD = update(_COUNTER).where(_ITS_COUNTER).values(last_hash=bindparam("b_hash"))


def reserve(session: Session, journal_id: int, fiscal_year_id: int, count: int) -> tuple[int, str]:
    """Take the next ``count`` numbers of a journal's fiscal year: the last one taken, and the
    hash the chain continues from. The counter row stays locked until commit."""
    where = {"b_journal": journal_id, "b_year": fiscal_year_id, "b_count": count}
    head = run(session, _BUMP, where).one_or_none()
    if head is None:  # a journal or year made outside the services
        dialect.insert_ignore(
            session,
            models.JournalCounter,
            journal_id=journal_id,
            fiscal_year_id=fiscal_year_id,
            last_number=0,
        )
        head = run(session, _BUMP, where).one()
    return int(head[0]), str(head[1])


def seal(
    previous_hash: str,
    *,
    company_id: int,
    currency: str,
    journal: str,
    number: str,
    day: dt.date,
    label: str,
    reference: str | None,
    lines: Iterable[ChainLine],
    reversal_of: str | None = None,
) -> str:
    """The hash of a posted entry chained after ``previous_hash``: what the chain seals of it."""
    return link(
        previous_hash,
        ChainEntry(
            company_id=company_id,
            journal=journal,
            number=number,
            date=day.isoformat(),
            label=label,
            reference=reference,
            currency=currency,
            lines=list(lines),
            reversal_of=reversal_of,
        ),
    )


def close(session: Session, journal_id: int, fiscal_year_id: int, last_hash: str) -> None:
    """Record the hash of a journal's last sealed entry on its counter row."""
    run(session, _HEAD, {"b_journal": journal_id, "b_year": fiscal_year_id, "b_hash": last_hash})
