"""The balance table: posted movements per account, month and journal, added in the same
transaction as the posting, so that reports read balances and not millions of lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from wisebook.db import dialect, models, run
from wisebook.db.meta import Base


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
    if values:
        run(session, _upsert(session), values)


_UPSERTS: dict[str, Any] = {}


def _upsert(session: Session) -> Any:
    """The balance upsert for the session's database, built once: run with a list of rows, the
    driver sends them as one multi-row statement ("insertmanyvalues"), not a round trip each."""
    name = session.get_bind().dialect.name
    if name not in _UPSERTS:
        table = Base.metadata.tables[models.AccountBalance.__tablename__]
        stmt = dialect.insert(session, table)
        _UPSERTS[name] = stmt.on_conflict_do_update(
            index_elements=["account_id", "period_id", "journal_id"],
            set_={
                "debit": table.c.debit + stmt.excluded.debit,
                "credit": table.c.credit + stmt.excluded.credit,
            },
        )
    return _UPSERTS[name]
