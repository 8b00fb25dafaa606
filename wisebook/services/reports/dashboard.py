"""The dashboard: the figures an accountant checks first, month by month, N beside N-1."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.services.reports.statements import Positions

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


def dashboard(session: Session, company_id: int, fy: models.FiscalYear) -> list[YearFigures]:
    """The current exercice and the previous one (when the books hold it)."""
    books = Positions(session, company_id, fy, fy.end_date)
    years = [fy] + ([p] if (p := books.previous(fy)) else [])
    bal, per, jrn, acc = models.AccountBalance, models.Period, models.Journal, models.Account
    rows = session.execute(
        select(bal.fiscal_year_id, per.start_date, acc.code, func.sum(bal.debit - bal.credit))
        .join(per, per.id == bal.period_id)
        .join(jrn, jrn.id == bal.journal_id)
        .join(acc, acc.id == bal.account_id)
        .where(
            bal.company_id == company_id,
            bal.fiscal_year_id.in_([y.id for y in years]),
            jrn.kind != "a_nouveaux",
        )
        .group_by(bal.fiscal_year_id, per.start_date, acc.code)
    ).all()
    moves: dict[int, dict[dt.date, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for fy_id, month, code, net in rows:
        moves[fy_id][month][code] += int(net or 0)
    out = []
    for year in years:
        opening = books.opening(year)
        position = {name: sum(indicator(name, c) * v for c, v in opening.items()) for name in POSITIONS}
        months, totals = [], dict.fromkeys(FLOWS, 0)
        periods = session.scalars(
            select(per.start_date).where(per.fiscal_year_id == year.id).order_by(per.start_date)
        ).all()
        for month in periods:
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
