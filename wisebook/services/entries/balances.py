"""The balance table: posted movements per account, month and journal, added in the same
transaction as the posting, so that reports read balances and not millions of lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from wisebook.db import dialect, models


def add_to_balances(
    session: Session,
    company_id: int,
    fiscal_year_id: int,
    period_id: int,
    journal_id: int,
    movements: Mapping[int, Sequence[int]],
) -> None:
    """Add posted movements (account id → [debit, credit]) to the balance table, one upsert.

    One multi-row statement: an executemany would cost a round trip per account.
    """
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
    stmt = dialect.insert(session, models.AccountBalance).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["account_id", "period_id", "journal_id"],
        set_={
            "debit": models.AccountBalance.debit + stmt.excluded.debit,
            "credit": models.AccountBalance.credit + stmt.excluded.credit,
        },
    )
    session.execute(stmt)
