"""The statement of account (relevé de compte) a customer or supplier receives: within one
exercice, the balance before the period (à-nouveaux and earlier lines), each posted line of
the period on the tiers' account with its lettrage code and running balance, the closing
balance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput
from wisebook.services.reports.ledgers import ledger_lines, period
from wisebook.services.tiers.register import get_partner

MAX_LINES = 10_000


@dataclass(frozen=True)
class StatementLine:
    """A line of the statement; amounts in minor units, ``balance`` after it (debit − credit)."""

    date: dt.date
    journal: str
    number: str | None
    reference: str | None
    label: str
    debit: int
    credit: int
    balance: int
    lettering: str | None


@dataclass(frozen=True)
class Statement:
    """A tiers' statement over ``start``–``end`` of the exercice ``fiscal_year``."""

    code: str
    name: str
    account: str
    fiscal_year: str
    start: dt.date
    end: dt.date
    opening: int
    lines: list[StatementLine]
    debit: int
    credit: int
    closing: int


def _fiscal_year(session: Session, company_id: int, day: dt.date) -> models.FiscalYear:
    fy = models.FiscalYear
    found = session.scalars(
        select(fy).where(fy.company_id == company_id, fy.start_date <= day, fy.end_date >= day)
    ).one_or_none()
    if found is None:
        raise InvalidInput(f"Aucun exercice ne couvre le {day:%d/%m/%Y}.", field="au")
    return found


def statement(
    session: Session, company_id: int, code: str, start: dt.date | None, end: dt.date | None, today: dt.date
) -> Statement:
    """The statement of the tiers ``code`` from ``start`` to ``end`` (by default the exercice
    holding ``end``, or ``today``, from its first day)."""
    partner = get_partner(session, company_id, code)
    fy = _fiscal_year(session, company_id, end or start or today)
    first, last = period(fy, start, end or (None if start else min(today, fy.end_date)))
    account = session.get(models.Account, partner.account_id)
    assert account is not None
    line, ent, jrn = models.Line, models.Entry, models.Journal
    opening = session.scalar(
        select(func.coalesce(func.sum(line.debit - line.credit), 0))
        .join(ent, ent.id == line.entry_id)
        .join(jrn, jrn.id == ent.journal_id)
        .where(
            line.account_id == account.id,
            line.partner == partner.code,
            ent.fiscal_year_id == fy.id,
            ent.status == models.POSTED,
            (line.entry_date < first) | (jrn.kind == "a_nouveaux"),
        )
    )
    opening = int(opening or 0)
    query = ledger_lines([account.id], first, last).where(line.partner == partner.code)
    rows = session.execute(query.order_by(line.entry_date, line.entry_id, line.id).limit(MAX_LINES + 1)).all()
    if len(rows) > MAX_LINES:
        raise InvalidInput(
            f"Plus de {MAX_LINES:,} lignes sur la période : demandez une période plus courte.".replace(
                ",", " "
            ),
            field="du",
        )
    lines = [
        StatementLine(
            r.entry_date,
            r.journal,
            r.number,
            r.reference,
            r.label or r.entry_label,
            int(r.debit),
            int(r.credit),
            opening + int(r.running),
            r.lettering,
        )
        for r in rows
    ]
    debit, credit = sum(x.debit for x in lines), sum(x.credit for x in lines)
    return Statement(
        partner.code,
        partner.name,
        account.code,
        fy.code,
        first,
        last,
        opening,
        lines,
        debit,
        credit,
        opening + debit - credit,
    )
