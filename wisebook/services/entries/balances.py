"""The balance table: posted movements per account, month and journal, added in the same
transaction as the posting, so that reports read balances and not millions of lines."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import TextClause, func, select, text, update
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


# --- the sub-ledger's balances (per account, tiers and month) ------------------------------


def add_to_partner_balances(
    session: Session,
    company_id: int,
    fiscal_year_id: int,
    period_id: int,
    lines: Iterable[tuple[int, str | None, int, int, bool]],
) -> None:
    """Add posted lines (account id, tiers, debit, credit, lettrable account?) of one month to
    the sub-ledger's balances: those that name a tiers or sit on a lettrable account, the
    latter counted as unlettered. One upsert per 500 rows."""
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for account_id, partner, debit, credit, lettrable in lines:
        if partner is None and not lettrable:
            continue
        row = sums[(account_id, partner or "")]
        row[0] += debit
        row[1] += credit
        if lettrable:
            row[2] += 1
            row[3] += debit - credit
    values = [
        {
            "account_id": account_id,
            "partner": partner,
            "period_id": period_id,
            "company_id": company_id,
            "fiscal_year_id": fiscal_year_id,
            "debit": row[0],
            "credit": row[1],
            "open_lines": row[2],
            "open_amount": row[3],
        }
        for (account_id, partner), row in sorted(sums.items())
    ]
    for start in range(0, len(values), BATCH):
        batch = values[start : start + BATCH]
        params = {f"{key}{n}": value for n, row in enumerate(batch) for key, value in row.items()}
        session.connection().execute(_partner_upsert(len(batch)), params)
    changed(session)


def lettered(session: Session, line_ids: Sequence[int], sign: int) -> None:
    """Lines lettered (``sign`` 1) or délettrées (−1): what they leave open changes."""
    line, ent, bal = models.Line, models.Entry, models.PartnerBalance
    groups = session.execute(
        select(
            line.account_id,
            func.coalesce(line.partner, ""),
            ent.period_id,
            func.count(),
            func.sum(line.debit - line.credit),
        )
        .join(ent, ent.id == line.entry_id)
        .where(line.id.in_(line_ids))
        .group_by(line.account_id, func.coalesce(line.partner, ""), ent.period_id)
    ).all()
    for account_id, partner, period_id, count, net in groups:
        session.execute(
            update(bal)
            .where(bal.account_id == account_id, bal.partner == partner, bal.period_id == period_id)
            .values(
                open_lines=bal.open_lines - sign * int(count),
                open_amount=bal.open_amount - sign * int(net or 0),
            )
            .execution_options(synchronize_session=False)
        )
    changed(session)


#: The sub-ledger's balances as the posted lines give them: what verify compares the table
#: with, and what fills it for books loaded without posting (the benchmarks' generator).
PARTNER_BALANCES_FROM_LINES = """
SELECT l.account_id, COALESCE(l.partner, '') AS partner, e.period_id, e.company_id, e.fiscal_year_id,
       SUM(l.debit) AS debit, SUM(l.credit) AS credit,
       SUM(CASE WHEN a.lettrable AND r.line_id IS NULL THEN 1 ELSE 0 END) AS open_lines,
       SUM(CASE WHEN a.lettrable AND r.line_id IS NULL THEN l.debit - l.credit ELSE 0 END) AS open_amount
FROM lines l
JOIN entries e ON e.id = l.entry_id
JOIN accounts a ON a.id = l.account_id
LEFT JOIN reconciliation_lines r ON r.line_id = l.id
WHERE e.company_id = :company AND e.status = :posted AND (l.partner IS NOT NULL OR a.lettrable)
GROUP BY l.account_id, COALESCE(l.partner, ''), e.period_id, e.company_id, e.fiscal_year_id
"""
_PARTNER_COLUMNS = (
    "account_id",
    "partner",
    "period_id",
    "company_id",
    "fiscal_year_id",
    "debit",
    "credit",
    "open_lines",
    "open_amount",
)


def rebuild_partner_balances(session: Session, company_id: int) -> None:
    """The company's sub-ledger balances made again from its posted lines."""
    table = models.PartnerBalance.__tablename__
    session.execute(text(f"DELETE FROM {table} WHERE company_id = :company"), {"company": company_id})
    session.execute(
        text(f"INSERT INTO {table} ({', '.join(_PARTNER_COLUMNS)}) {PARTNER_BALANCES_FROM_LINES}"),
        {"company": company_id, "posted": models.POSTED},
    )
    changed(session)


@functools.lru_cache(maxsize=64)
def _partner_upsert(rows: int) -> TextClause:
    table = models.PartnerBalance.__tablename__
    tuples = ", ".join("(" + ", ".join(f":{c}{n}" for c in _PARTNER_COLUMNS) + ")" for n in range(rows))
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in _PARTNER_COLUMNS[-4:])
    return text(
        f"INSERT INTO {table} ({', '.join(_PARTNER_COLUMNS)}) VALUES {tuples} "
        f"ON CONFLICT (account_id, partner, period_id) DO UPDATE SET {added}"
    )
