"""The FEC (fichier des écritures comptables) of a fiscal year: the 18 standard columns
auditors load into their tools, one row per posted line, in the order entries were numbered;
then two columns of WiseBook's own, a line's tax code and taxable base (the standard's 18
fields come first and in its order; fields after them are accepted as optional ones).

Pipe-separated, a header row, dates as AAAAMMJJ, amounts with a decimal comma and no
thousands separator, ISO-8859-15 text (the layout's character set).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.money import comma_decimal, exponent

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
    "CodeTaxe",
    "BaseTaxe",
)
SEPARATOR = "|"
ENCODING = "iso-8859-15"


def _day(value: dt.date | dt.datetime | None) -> str:
    return value.strftime("%Y%m%d") if value is not None else ""


def _clean(text: str | None) -> str:
    """No separator, tab or line break inside a field."""
    return " ".join((text or "").replace(SEPARATOR, "/").split())


def rows(session: Session, company_id: int, fy: models.FiscalYear, currency: str) -> Iterator[list[str]]:
    """The header, then one row per posted line of ``fy``."""
    places = exponent(currency)
    ent, line, acc, jnl = models.Entry, models.Line, models.Account, models.Journal
    rec, link = models.Reconciliation, models.ReconciliationLine
    query = (
        select(
            jnl.code,
            jnl.label,
            ent.number,
            ent.entry_date,
            acc.code,
            acc.label,
            line.partner,
            models.Partner.name,
            ent.reference,
            line.label,
            ent.label,
            line.debit,
            line.credit,
            rec.code,
            rec.created_at,
            ent.posted_at,
            line.tax_code,
            line.tax_base,
        )
        .join(ent, ent.id == line.entry_id)
        .join(jnl, jnl.id == ent.journal_id)
        .join(acc, acc.id == line.account_id)
        .outerjoin(
            models.Partner, (models.Partner.company_id == company_id) & (models.Partner.code == line.partner)
        )
        .outerjoin(link, link.line_id == line.id)
        .outerjoin(rec, rec.id == link.reconciliation_id)
        .where(ent.company_id == company_id, ent.fiscal_year_id == fy.id, ent.status == models.POSTED)
        .order_by(ent.entry_date, jnl.code, ent.sequence, line.line_no)
        .execution_options(yield_per=5000)
    )
    yield list(COLUMNS)
    for (
        journal,
        journal_label,
        number,
        day,
        account,
        account_label,
        partner,
        partner_name,
        reference,
        line_label,
        entry_label,
        debit,
        credit,
        code,
        lettered_at,
        posted_at,
        tax,
        base,
    ) in session.execute(query):
        yield [
            journal,
            _clean(journal_label),
            number or "",
            _day(day),
            account,
            _clean(account_label),
            _clean(partner),
            _clean(partner_name or partner),
            _clean(reference or number),
            _day(day),
            _clean(line_label or entry_label),
            comma_decimal(debit, places),
            comma_decimal(credit, places),
            code or "",
            _day(lettered_at),
            _day(posted_at),
            "",
            "",
            tax or "",
            "" if base is None else comma_decimal(base, places),
        ]


def filename(company: models.Company, fy: models.FiscalYear) -> str:
    """``<SOCIETE>FEC<date de clôture>.txt``, as the layout names it (ASCII: it is a header)."""
    plain = unicodedata.normalize("NFKD", company.name.upper()).encode("ascii", "ignore").decode()
    name = "".join(ch for ch in plain if ch.isalnum())[:20] or "SOCIETE"
    return f"{name}FEC{fy.end_date:%Y%m%d}.txt"
