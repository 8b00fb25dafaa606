"""The balance table: posted movements per account, month and journal, added in the same
transaction as the posting, so that reports read balances and not millions of lines."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from wisebook.db import changed, models


def add_to_balances(
    session: Session,
    company_id: int,
    fiscal_year_id: int,
    period_id: int,
    journal_id: int,
    movements: Mapping[int, Sequence[int]],
) -> None:
    """Add posted movements (account id → [debit, credit]) to the balance table, one upsert."""
    values = [
        {
            "account_id": account_id,
            "period_id": period_id,
            "journal_id": journal_id,
            "company_id": company_id,
            "fiscal_year_id": fiscal_year_id,
            "debit": amounts[0],
            "credit": amounts[1],
        }
        for account_id, amounts in sorted(movements.items())
    ]
    for start in range(0, len(values), BATCH):
        batch = values[start : start + BATCH]
        params = {f"{key}{n}": value for n, row in enumerate(batch) for key, value in row.items()}
        session.connection().execute(_upsert(len(batch)), params)
    changed(session)


#: Rows per statement (7 parameters a row: well under SQLite's limit of 32,766).
BATCH = 500
_COLUMNS = ("account_id", "period_id", "journal_id", "company_id", "fiscal_year_id", "debit", "credit")


@functools.lru_cache(maxsize=64)
def _upsert(rows: int) -> TextClause:
    """The balance upsert for ``rows`` rows, one multi-row statement in the SQL both databases
    share (INSERT … ON CONFLICT … DO UPDATE), written once per row count: SQLAlchemy's
    PostgreSQL ``insert`` construct is not cacheable, and compiling it cost a posting ~10 %."""
    table = models.AccountBalance.__tablename__
    tuples = ", ".join("(" + ", ".join(f":{c}{n}" for c in _COLUMNS) + ")" for n in range(rows))
    return text(
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES {tuples} "
        "ON CONFLICT (account_id, period_id, journal_id) DO UPDATE SET "
        f"debit = {table}.debit + excluded.debit, credit = {table}.credit + excluded.credit"
    )
