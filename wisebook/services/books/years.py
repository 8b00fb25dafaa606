"""Fiscal years, their monthly periods and the locks on them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.ledger.periods import fiscal_year_bounds, monthly_periods
from wisebook.ledger.text import is_digits


def create_fiscal_year(
    session: Session, company_id: int, year: int, start_month: int = 1
) -> models.FiscalYear:
    """An open fiscal year of twelve monthly periods, with a number counter per journal."""
    start, end = fiscal_year_bounds(year, start_month)
    code = str(year)
    existing = session.scalars(
        select(models.FiscalYear).where(models.FiscalYear.company_id == company_id)
    ).all()
    for fy in existing:
        if fy.code == code:
            raise Conflict(f"L'exercice {code} existe déjà.", field="annee")
        if fy.start_date <= end and start <= fy.end_date:
            raise InvalidInput(f"L'exercice chevauche l'exercice {fy.code}.", field="annee")
    fiscal_year = models.FiscalYear(
        company_id=company_id, code=code, start_date=start, end_date=end, status="ouvert"
    )
    session.add(fiscal_year)
    session.flush()
    session.execute(
        insert(models.Period),
        [
            {
                "fiscal_year_id": fiscal_year.id,
                "number": p.number,
                "start_date": p.start,
                "end_date": p.end,
                "locked": False,
            }
            for p in monthly_periods(start, end)
        ],
    )
    journal_ids = session.scalars(
        select(models.Journal.id).where(models.Journal.company_id == company_id)
    ).all()
    for journal_id in journal_ids:
        session.add(
            models.JournalCounter(journal_id=journal_id, fiscal_year_id=fiscal_year.id, last_number=0)
        )
    session.flush()
    return fiscal_year


def list_fiscal_years(session: Session, company_id: int) -> list[models.FiscalYear]:
    """The company's fiscal years, oldest first."""
    return list(
        session.scalars(
            select(models.FiscalYear)
            .where(models.FiscalYear.company_id == company_id)
            .order_by(models.FiscalYear.start_date)
        )
    )


def get_fiscal_year(session: Session, company_id: int, ref: str | int) -> models.FiscalYear:
    """A fiscal year by code (``2026``), else by id: a company has a handful, read at once."""
    return find(list_fiscal_years(session, company_id), ref)


def find(years: list[models.FiscalYear], ref: str | int) -> models.FiscalYear:
    """Among a company's fiscal years: the one ``ref`` names (code, else id), or NotFound."""
    text = str(ref)
    found = next((y for y in years if y.code == text), None)
    if found is None and is_digits(text) and len(text) < 10:
        found = next((y for y in years if y.id == int(text)), None)
    if found is None:
        raise NotFound(f"Exercice introuvable : {ref}.", field="exercice")
    return found


def current_fiscal_year(session: Session, company_id: int, today: dt.date | None = None) -> models.FiscalYear:
    """The open fiscal year containing ``today``, else the latest open one, else the latest."""
    return current_of(list_fiscal_years(session, company_id), today)


def current_of(years: list[models.FiscalYear], today: dt.date | None = None) -> models.FiscalYear:
    """Among a company's fiscal years (by start date): the current one, as above."""
    today = today or dt.date.today()
    if not years:
        raise NotFound("Aucun exercice : créez-en un.", field="exercice")
    for fy in years:
        if fy.start_date <= today <= fy.end_date:
            return fy
    open_years = [fy for fy in years if fy.status == "ouvert"]
    return (open_years or years)[-1]


def lock_periods(
    session: Session,
    company_id: int,
    fiscal_year_ref: str | int,
    *,
    number: int | None = None,
    until: dt.date | None = None,
    locked: bool = True,
) -> models.FiscalYear:
    """Lock (or unlock) one month, or every month of the fiscal year ending on or before
    ``until``; the fiscal year, its periods refreshed. A closed year is not touched."""
    fy = get_fiscal_year(session, company_id, fiscal_year_ref)
    if fy.status != "ouvert":
        raise Conflict(f"L'exercice {fy.code} est clôturé : ses périodes le sont toutes.", field="exercice")
    if (number is None) == (until is None):
        raise InvalidInput("Donnez une période (numéro) ou une date (jusqu_au).", field="periode")
    where = [models.Period.fiscal_year_id == fy.id]
    if number is not None:
        where.append(models.Period.number == number)
    else:
        assert until is not None
        if until < fy.start_date or until > fy.end_date:
            raise InvalidInput(
                f"Date hors de l'exercice {fy.code} ({fy.start_date:%d/%m/%Y} – {fy.end_date:%d/%m/%Y}).",
                field="jusqu_au",
            )
        # Locking "up to" a date locks the months ended by then; unlocking "up to" it
        # reopens the months from the one holding that date onwards.
        where.append(models.Period.end_date <= until if locked else models.Period.end_date >= until)
    result = session.execute(update(models.Period).where(*where).values(locked=locked))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        field = "periode" if number is not None else "jusqu_au"
        raise InvalidInput("Aucune période ne correspond.", field=field)
    session.flush()
    session.refresh(fy)
    for period in fy.periods:
        session.refresh(period)
    return fy
