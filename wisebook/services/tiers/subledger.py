"""The balance by tiers (balance auxiliaire) of the lettrable accounts: per account and tiers,
the opening (earlier months and à-nouveaux), the period's movements and the balance, so that
each account's tiers sum to its line of the balance.

Whole months come from the sub-ledger's balances; the à-nouveaux (which those hold among a
first month's movements) from their entry's lines; a month that ``start`` or ``end`` cuts
from its lines."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, cast, func, or_, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.balances import BalanceRow, opening_columns
from wisebook.services.reconciliation import lettrable_accounts
from wisebook.services.reports.ledgers import period


@dataclass(frozen=True)
class SubLedgerRow:
    """One tiers of one account (``partner`` None: the account's lines that name none); its
    ``row`` holds the six columns, labelled with the tiers' name."""

    account: str
    partner: str | None
    row: BalanceRow


def _total(column: Any) -> Any:
    """A column's sum as a 64-bit integer: PostgreSQL sums bigints as numeric, which the driver
    would hand over as Decimal, thousands of times slower to read back into minor units."""
    return cast(func.sum(column), BigInteger)


def sub_ledger(
    session: Session,
    company_id: int,
    fy: models.FiscalYear,
    start: dt.date | None = None,
    end: dt.date | None = None,
    prefix: str = "",
) -> tuple[dt.date, dt.date, list[SubLedgerRow]]:
    """The balance by tiers of the lettrable accounts under ``prefix`` over ``start``–``end``.
    Its reads name their company (its accounts, its register) and run without the ORM: for
    5 000 tiers the ORM's rows would cost more than the database's sums."""
    start, end = period(fy, start, end)
    read = session.connection().execute
    pb, per = models.PartnerBalance, models.Period
    line, ent, jrn = models.Line, models.Entry, models.Journal
    accounts = lettrable_accounts(session, company_id, prefix)
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # opening net, debit, credit
    if not accounts:
        return start, end, []
    months = session.execute(
        select(per.id, per.start_date, per.end_date).where(per.fiscal_year_id == fy.id)
    ).all()
    before = [m.id for m in months if m.end_date < start]
    inside = [m.id for m in months if m.start_date >= start and m.end_date <= end]
    cut = [m for m in months if m.start_date <= end and m.end_date >= start and m.id not in inside]
    keys: list[Any] = [pb.account_id, pb.partner]
    if before:  # months before the period: the opening
        keys.append(pb.period_id.in_(before).label("earlier"))
    for account_id, partner, *earlier, debit, credit in read(
        select(*keys, _total(pb.debit), _total(pb.credit))
        .where(
            pb.company_id == company_id,  # the year's rows by their index, whatever the books' age
            pb.fiscal_year_id == fy.id,
            pb.account_id.in_(accounts),
            pb.period_id.in_(before + inside),
        )
        .group_by(*keys)
    ):
        cell = sums[(account_id, partner)]
        if earlier and earlier[0]:
            cell[0] += int(debit or 0) - int(credit or 0)
        else:
            cell[1] += int(debit or 0)
            cell[2] += int(credit or 0)
    is_an = jrn.kind == "a_nouveaux"
    opening_day = or_(line.entry_date < start, is_an)
    picked = [(m.start_date, m.end_date) for m in cut]
    # The à-nouveaux of a whole month inside the period: movements in the table, opening here
    # (their entries found first: a year has one or a few).
    openings = session.scalars(
        select(ent.id)
        .join(jrn, jrn.id == ent.journal_id)
        .where(
            ent.company_id == company_id,
            ent.fiscal_year_id == fy.id,
            ent.status == models.POSTED,
            is_an,
            ent.period_id.in_(inside),
        )
    ).all()
    for account_id, partner, debit, credit in (
        read(
            select(
                line.account_id, func.coalesce(line.partner, ""), func.sum(line.debit), func.sum(line.credit)
            )
            .where(line.entry_id.in_(openings), line.account_id.in_(accounts))
            .group_by(line.account_id, func.coalesce(line.partner, ""))
        )
        if openings
        else ()
    ):
        cell = sums[(account_id, partner)]
        cell[0] += int(debit or 0) - int(credit or 0)
        cell[1] -= int(debit or 0)
        cell[2] -= int(credit or 0)
    if picked:
        for account_id, partner, opening, debit, credit in read(
            select(
                line.account_id,
                func.coalesce(line.partner, ""),
                opening_day,
                func.sum(line.debit),
                func.sum(line.credit),
            )
            .join(ent, ent.id == line.entry_id)
            .join(jrn, jrn.id == ent.journal_id)
            .where(
                line.account_id.in_(accounts),
                ent.fiscal_year_id == fy.id,
                ent.status == models.POSTED,
                or_(*(line.entry_date.between(low, high) for low, high in picked)),
                line.entry_date <= end,
            )
            .group_by(line.account_id, func.coalesce(line.partner, ""), opening_day)
        ):
            cell = sums[(account_id, partner)]
            if opening:
                cell[0] += int(debit or 0) - int(credit or 0)
            else:
                cell[1] += int(debit or 0)
                cell[2] += int(credit or 0)
    p = models.Partner
    names = dict(read(select(p.code, p.name).where(p.company_id == company_id)).tuples().all())
    rows = []
    for (account_id, partner), (opening, debit, credit) in sums.items():
        if not (opening or debit or credit):
            continue
        code = accounts[account_id]
        row = BalanceRow(
            code, names.get(partner, partner) if partner else "", *opening_columns(opening, 0), debit, credit
        )
        rows.append(SubLedgerRow(code, partner or None, row))
    rows.sort(key=lambda r: (r.account, r.partner or ""))
    return start, end, rows
