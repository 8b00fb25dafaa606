"""Fiscal years and their twelve monthly periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wisebook.ledger.errors import InvalidInput


@dataclass(frozen=True)
class Period:
    """One month of a fiscal year."""

    number: int
    start: dt.date
    end: dt.date
    locked: bool = False

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls in this period."""
        return self.start <= day <= self.end


def parse_date(text: str, field: str) -> dt.date:
    """An ISO date (AAAA-MM-JJ) typed by a user; anything else is an input error on ``field``."""
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise InvalidInput("Date invalide (AAAA-MM-JJ attendu).", field=field) from None


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month (``day`` is a 1st)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fiscal_year_bounds(year: int, start_month: int = 1) -> tuple[dt.date, dt.date]:
    """Start and end of the twelve-month fiscal year that starts in ``year``."""
    if not 1900 <= year <= 2200:
        raise InvalidInput("Année d'exercice invalide.", field="exercice")
    if not 1 <= start_month <= 12:
        raise InvalidInput("Mois de début invalide.", field="mois_debut")
    start = dt.date(year, start_month, 1)
    return start, add_months(start, 12) - dt.timedelta(days=1)


def monthly_periods(start: dt.date, end: dt.date) -> list[Period]:
    """Split a fiscal year into its monthly periods (a first year may be shorter or longer)."""
    if start.day != 1 or end < start:
        raise InvalidInput("Un exercice commence le premier jour d'un mois.", field="debut")
    periods: list[Period] = []
    cursor = start
    while cursor <= end:
        nxt = add_months(cursor, 1)
        periods.append(Period(len(periods) + 1, cursor, min(nxt - dt.timedelta(days=1), end)))
        cursor = nxt
    if len(periods) > 24:
        raise InvalidInput("Un exercice dure au plus 24 mois.", field="fin")
    return periods
