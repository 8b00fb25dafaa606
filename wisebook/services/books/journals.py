"""The journals of a company: the default six, and those the accountant adds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from wisebook.db import models, rows
from wisebook.ledger.errors import Conflict, InvalidInput
from wisebook.services.books.years import list_fiscal_years

DEFAULT_JOURNALS = (
    ("ACH", "Achats", "achats"),
    ("VTE", "Ventes", "ventes"),
    ("BQ", "Banque", "tresorerie"),
    ("CAI", "Caisse", "tresorerie"),
    ("OD", "Opérations diverses", "divers"),
    ("AN", "À-nouveaux", "a_nouveaux"),
)


JOURNAL_KINDS = ("achats", "ventes", "tresorerie", "divers", "a_nouveaux")


_JOURNALS = (
    select(models.Journal.id, models.Journal.code, models.Journal.label, models.Journal.kind)
    .where(models.Journal.company_id == bindparam("company"))
    .order_by(models.Journal.code)
)


def list_journals(session: Session, company_id: int) -> list[Any]:
    """The company's journals, by code: id, code, label, kind."""
    return rows(session, _JOURNALS, company=company_id)


def create_journal(session: Session, company_id: int, code: str, label: str, kind: str) -> models.Journal:
    """A new journal, with its counters for every fiscal year."""
    code = code.strip().upper()
    if not (2 <= len(code) <= 8 and code.isalnum() and code.isascii()):
        raise InvalidInput("Le code journal compte 2 à 8 lettres ou chiffres.", field="code")
    if kind not in JOURNAL_KINDS:
        raise InvalidInput(f"Type de journal inconnu : {kind}.", field="type")
    if not label.strip():
        raise InvalidInput("Le libellé est obligatoire.", field="libelle")
    exists = session.scalars(
        select(models.Journal).where(models.Journal.company_id == company_id, models.Journal.code == code)
    ).first()
    if exists:
        raise Conflict(f"Le journal {code} existe déjà.", field="code")
    journal = models.Journal(company_id=company_id, code=code, label=label.strip(), kind=kind)
    session.add(journal)
    session.flush()
    for fy in list_fiscal_years(session, company_id):
        session.add(models.JournalCounter(journal_id=journal.id, fiscal_year_id=fy.id, last_number=0))
    session.flush()
    return journal
