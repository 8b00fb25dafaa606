"""The dashboard: the figures an accountant checks first, month by month, N beside N-1."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from wisebook.db import models, rows
from wisebook.services.reports.statements import Key, Positions

POSITIONS = ("tresorerie", "creances_clients", "dettes_fournisseurs")
FLOWS = ("chiffre_affaires", "charges", "resultat")


def indicator(name: str, code: str) -> int:
    """How one account's balance (debit − credit) counts in an indicator (sign included), or 0."""
    if name == "tresorerie":
        return 1 if code.startswith("5") else 0
    if name == "creances_clients":
        return 1 if code.startswith("41") and not code.startswith("419") else 0
    if name == "dettes_fournisseurs":
        return -1 if code.startswith("40") and not code.startswith("409") else 0
    if name == "chiffre_affaires":
        return -1 if code.startswith("70") else 0
    if name == "charges":
        return 1 if code.startswith("6") else 0
    if name == "resultat":
        return -1 if code[:1] in ("6", "7", "8") else 0
    raise KeyError(name)


@dataclass(frozen=True)
class Month:
    """One month: positions at its end (trésorerie, créances, dettes) and its flows."""

    month: dt.date
    values: dict[str, int]


@dataclass(frozen=True)
class YearFigures:
    """An exercice's months and its year figures (positions at the end, flows summed)."""

    fiscal_year: str
    months: list[Month]
    year: dict[str, int]


def dashboard(
    session: Session, company_id: int, fy: models.FiscalYear, fiscal_years: list[models.FiscalYear]
) -> list[YearFigures]:
    """The exercice ``fy`` and the previous one (when the books hold it); ``fiscal_years``:
    the company's, by start date (the caller has read them to find ``fy``).

    One grouped read of the balance table — per fiscal year, month, account and à-nouveaux
    flag, from the first year's start to ``fy``'s end (the table holds a row per account,
    month and journal: small) — gives the positions' sums, which years open on à-nouveaux,
    and the months' movements; one more reads the months of the years shown."""
    sums: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    moves: dict[int, dict[dt.date, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for fy_id, month, code, an, debit, credit in rows(
        session, _MOVEMENTS, company=company_id, start=fiscal_years[0].start_date, end=fy.end_date
    ):
        debit, credit = int(debit or 0), int(credit or 0)
        total = sums[(code, fy_id, bool(an))]
        total[0] += debit
        total[1] += credit
        if not an:
            moves[fy_id][month][code] += debit - credit
    books = Positions(session, company_id, fy, fy.end_date, given=sums, years=fiscal_years)
    years = [fy] + ([p] if (p := books.previous(fy)) else [])
    months_of: dict[int, list[dt.date]] = defaultdict(list)
    for fy_id, month in rows(session, _MONTHS, current=fy.id, previous=years[-1].id):
        months_of[fy_id].append(month)
    out = []
    for year in years:
        opening = books.opening(year)
        position = {name: sum(indicator(name, c) * v for c, v in opening.items()) for name in POSITIONS}
        months, totals = [], dict.fromkeys(FLOWS, 0)
        for month in months_of[year.id]:
            movement = moves[year.id].get(month, {})
            values: dict[str, int] = {}
            for name in POSITIONS:
                position[name] += sum(indicator(name, c) * v for c, v in movement.items())
                values[name] = position[name]
            for name in FLOWS:
                values[name] = sum(indicator(name, c) * v for c, v in movement.items())
                totals[name] += values[name]
            months.append(Month(month, values))
        out.append(YearFigures(year.code, months, {**dict(position), **totals}))
    return out


_BAL, _PER, _JRN, _ACC = models.AccountBalance, models.Period, models.Journal, models.Account
_IS_AN = _JRN.kind == "a_nouveaux"
#: Built once: the balance table grouped per year, month, account and à-nouveaux flag.
_MOVEMENTS = (
    select(
        _BAL.fiscal_year_id, _PER.start_date, _ACC.code, _IS_AN, func.sum(_BAL.debit), func.sum(_BAL.credit)
    )
    .join(_PER, _PER.id == _BAL.period_id)
    .join(_JRN, _JRN.id == _BAL.journal_id)
    .join(_ACC, _ACC.id == _BAL.account_id)
    .where(
        _BAL.company_id == bindparam("company"),
        _PER.start_date >= bindparam("start"),
        _PER.end_date <= bindparam("end"),
    )
    .group_by(_BAL.fiscal_year_id, _PER.start_date, _ACC.code, _IS_AN)
)
_MONTHS = (
    select(_PER.fiscal_year_id, _PER.start_date)
    .where(_PER.fiscal_year_id.in_([bindparam("current"), bindparam("previous")]))
    .order_by(_PER.fiscal_year_id, _PER.start_date)
)
