"""Reports read from the balance table: one grouped query, never a query per account."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..db import models
from ..ledger.balances import BalanceRow, opening_columns
from ..ledger.errors import InvalidInput


@dataclass(frozen=True)
class TrialBalance:
    """The six-column balance of a range of a fiscal year."""

    fiscal_year: str
    start: dt.date
    end: dt.date
    rows: list[BalanceRow]


def trial_balance(
    session: Session,
    company_id: int,
    fy: models.FiscalYear,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> TrialBalance:
    """Opening (earlier months of the year and à-nouveaux), movements and balances per account.

    Whole months come from the balance table; a month cut by ``start`` or ``end`` is read from
    its posted lines (one grouped query per cut month, at most two).
    """
    start = start or fy.start_date
    end = end or fy.end_date
    if start > end:
        raise InvalidInput("La date de début suit la date de fin.", field="du")
    if start < fy.start_date or end > fy.end_date:
        raise InvalidInput(
            f"La période demandée sort de l'exercice {fy.code} "
            f"({fy.start_date:%d/%m/%Y} – {fy.end_date:%d/%m/%Y}).",
            field="du" if start < fy.start_date else "au",
        )
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # od, oc, d, c

    bal, per, jrn = models.AccountBalance, models.Period, models.Journal
    is_opening = or_(per.end_date < start, jrn.kind == "a_nouveaux")
    whole = session.execute(
        select(
            bal.account_id,
            is_opening.label("opening"),
            func.sum(bal.debit),
            func.sum(bal.credit),
        )
        .join(per, per.id == bal.period_id)
        .join(jrn, jrn.id == bal.journal_id)
        .where(
            bal.company_id == company_id,
            bal.fiscal_year_id == fy.id,
            or_(per.end_date < start, and_(per.start_date >= start, per.end_date <= end)),
        )
        .group_by(bal.account_id, is_opening)
    )
    for account_id, opening, debit, credit in whole:
        _add(sums[account_id], bool(opening), int(debit or 0), int(credit or 0))

    cut_months = session.execute(
        select(per.start_date, per.end_date).where(
            per.fiscal_year_id == fy.id,
            per.start_date <= end,
            per.end_date >= start,
            or_(per.start_date < start, per.end_date > end),
        )
    ).all()
    ent, line = models.Entry, models.Line
    for month_start, month_end in cut_months:
        line_opening = or_(ent.entry_date < start, jrn.kind == "a_nouveaux")
        partial = session.execute(
            select(
                line.account_id, line_opening.label("opening"), func.sum(line.debit), func.sum(line.credit)
            )
            .join(ent, ent.id == line.entry_id)
            .join(jrn, jrn.id == ent.journal_id)
            .where(
                ent.company_id == company_id,
                ent.status == models.POSTED,
                ent.entry_date >= month_start,
                ent.entry_date <= min(month_end, end),
            )
            .group_by(line.account_id, line_opening)
        )
        for account_id, opening, debit, credit in partial:
            _add(sums[account_id], bool(opening), int(debit or 0), int(credit or 0))

    accounts = (
        {
            r.id: (r.code, r.label)
            for r in session.execute(
                select(models.Account.id, models.Account.code, models.Account.label).where(
                    models.Account.id.in_(list(sums))
                )
            )
        }
        if sums
        else {}
    )
    rows = []
    for account_id, (od, oc, d, c) in sums.items():
        opening_debit, opening_credit = opening_columns(od, oc)
        code, label = accounts[account_id]
        rows.append(BalanceRow(code, label, opening_debit, opening_credit, d, c))
    rows.sort(key=lambda r: r.account)
    return TrialBalance(fy.code, start, end, rows)


def _add(target: list[int], opening: bool, debit: int, credit: int) -> None:
    offset = 0 if opening else 2
    target[offset] += debit
    target[offset + 1] += credit
