"""The monthly VAT return of a company, read from its posted lines; its drill-down; its
settlement, the OD entry that clears the month's 443x and 445x into 4441 or 4449.

The boxes come from the lines that carry a tax code; the controls set them against the books:
the movements of 443x and 445x in the month (the settlement entries and their reversals
aside), the rates applied to the bases, the month locked or not. The credit carried at the
start of the month is the balance of 4449 then: every line before the month outside the
à-nouveaux, and the à-nouveaux of the first fiscal year the books hold (the later ones repeat
balances already counted).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from wisebook.data import ohada
from wisebook.db import models, prepared
from wisebook.ledger import entries as rules
from wisebook.ledger import vat as ledger_vat
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.ledger.money import from_minor
from wisebook.services.books.companies import CompanyContext
from wisebook.services.entries import posting

_L, _E, _A, _J = models.Line, models.Entry, models.Account, models.Journal
#: The return's big reads are planned for each call's month and codes, not prepared once: a
#: plan made for any month (a prepared statement's) walked 200 000 lines where the month's index
#: reads 30 000 (the drill-down of a box: 60 ms planned per call, 600 ms prepared).
_PLANNED = {prepared.PREPARE: False}
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Month:
    """A return's month: ``AAAA-MM``, its first and last days."""

    code: str
    start: dt.date
    end: dt.date


def parse_month(raw: str | None, field: str = "periode") -> Month:
    """``2026-01`` → the month; anything else is refused with the expected shape."""
    found = PERIOD.match((raw or "").strip())
    if found is None:
        raise InvalidInput("Indiquez le mois de la déclaration sous la forme AAAA-MM (2026-01).", field=field)
    year, month = int(found.group(1)), int(found.group(2))
    if not 1900 <= year <= 2200:
        raise InvalidInput("Indiquez le mois de la déclaration sous la forme AAAA-MM (2026-01).", field=field)
    last = calendar.monthrange(year, month)[1]
    return Month(f"{year:04d}-{month:02d}", dt.date(year, month, 1), dt.date(year, month, last))


def company_vat(session: Session, company_id: int) -> ledger_vat.CountryVat | None:
    """The VAT of the company's country (its tax codes, its return), None if unknown here."""
    country = session.scalar(select(models.Company.country).where(models.Company.id == company_id))
    return ohada.vat(country or "")


def country_vat(session: Session, company_id: int) -> ledger_vat.CountryVat:
    """The VAT of the company's country, or a refusal that says the country has none here."""
    found = company_vat(session, company_id)
    if found is None or not found.taxes:
        country = session.scalar(select(models.Company.country).where(models.Company.id == company_id))
        raise InvalidInput(
            f"WiseBook ne connaît pas la TVA du pays de la société ({country}) : pas de déclaration.",
            field="periode",
        )
    return found


@dataclass(frozen=True)
class Control:
    """A check of the return against the books: what the boxes say, what the books say."""

    code: str
    label: str  # a message of the catalogue; ``values`` fill its ${…}
    ok: bool
    expected: int | None = None
    found: int | None = None
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SettlementRef:
    id: int
    entry_id: int
    number: str | None
    due: int
    credit: int


@dataclass(frozen=True)
class VatReturn:
    """A month's return: the boxes in the form's order, the VAT due or the credit carried, the
    controls, whether the month is locked, its settlement if posted."""

    month: Month
    vat: ledger_vat.CountryVat
    boxes: list[ledger_vat.BoxValue]
    due: int
    credit: int
    previous_credit: int
    controls: list[Control]
    locked: bool
    fiscal_year: str
    settlement: SettlementRef | None
    collected_by_account: dict[str, int]
    deductible_by_account: dict[str, int]


def _settlement_entry_ids(company_id: int) -> Any:
    """The settlement entries of the company (a subquery of ids)."""
    return select(models.VatSettlement.entry_id).where(models.VatSettlement.company_id == company_id)


def _books_lines(company_id: int, month: Month) -> list[ColumnElement[bool]]:
    """The month's posted lines of the company."""
    return [
        _E.company_id == company_id,
        _E.status == models.POSTED,
        _L.entry_date >= month.start,
        _L.entry_date <= month.end,
    ]


def _accounts(session: Session, company_id: int, prefixes: Sequence[str]) -> dict[int, str]:
    """The company's accounts under ``prefixes``, by id: the big reads then filter lines by
    account id (their index), never by a pattern on a joined code."""
    rows = session.execute(
        select(_A.id, _A.code).where(
            _A.company_id == company_id, or_(*(_A.code.startswith(p) for p in prefixes))
        )
    ).tuples()
    return dict(rows.all())


def _taxed_totals(session: Session, company_id: int, month: Month) -> list[ledger_vat.TaxedTotal]:
    """The month's taxed lines summed by account and tax code (one grouped scan by the
    ``ix_lines_taxed`` index; the accounts' numbers read after, for the few ids found)."""
    signed_base = case((_L.credit > 0, _L.tax_base), else_=-_L.tax_base)
    rows = (
        session.execute(
            select(
                _L.account_id,
                _L.tax_code,
                func.sum(_L.debit),
                func.sum(_L.credit),
                func.sum(signed_base),
                func.count(),
            )
            .join(_E, _E.id == _L.entry_id)
            .where(*_books_lines(company_id, month), _L.tax_code.is_not(None))
            .group_by(_L.account_id, _L.tax_code),
            execution_options=_PLANNED,
        )
        .tuples()
        .all()
    )
    codes = dict(
        session.execute(
            select(_A.id, _A.code).where(_A.company_id == company_id, _A.id.in_({r[0] for r in rows}))
        )
        .tuples()
        .all()
    )
    return [
        ledger_vat.TaxedTotal(codes[account], tax, int(debit), int(credit), int(base or 0), int(count))
        for account, tax, debit, credit, base, count in rows
    ]


def _not_settlement(company_id: int) -> ColumnElement[bool]:
    settled = _settlement_entry_ids(company_id)
    return and_(_E.id.not_in(settled), or_(_E.reversal_of_id.is_(None), _E.reversal_of_id.not_in(settled)))


def _vat_movements(session: Session, company_id: int, month: Month) -> dict[str, tuple[int, int]]:
    """Debit and credit of each 443x and 445x account in the month, outside the settlements."""
    accounts = _accounts(session, company_id, (ledger_vat.COLLECTED, ledger_vat.DEDUCTIBLE))
    if not accounts:
        return {}
    period = session.scalar(
        select(models.Period.id)
        .join(models.FiscalYear, models.FiscalYear.id == models.Period.fiscal_year_id)
        .where(
            models.FiscalYear.company_id == company_id,
            models.Period.start_date == month.start,
            models.Period.end_date == month.end,
        )
    )
    moved: dict[str, tuple[int, int]] = {}
    if period is None:  # a year whose periods are not calendar months: the lines themselves
        rows = session.execute(
            select(_L.account_id, func.sum(_L.debit), func.sum(_L.credit))
            .join(_E, _E.id == _L.entry_id)
            .where(*_books_lines(company_id, month), _L.account_id.in_(accounts), _not_settlement(company_id))
            .group_by(_L.account_id)
        ).tuples()
        return {accounts[account]: (int(debit), int(credit)) for account, debit, credit in rows}
    # The period's totals kept at posting, less the settlements' lines (a few)
    _B = models.AccountBalance
    totals = session.execute(
        select(_B.account_id, func.sum(_B.debit), func.sum(_B.credit))
        .where(_B.company_id == company_id, _B.period_id == period, _B.account_id.in_(accounts))
        .group_by(_B.account_id)
    ).tuples()
    for account, debit, credit in totals:
        moved[accounts[account]] = (int(debit), int(credit))
    settled = _settlement_entry_ids(company_id)
    own = session.execute(
        select(_L.account_id, func.sum(_L.debit), func.sum(_L.credit))
        .join(_E, _E.id == _L.entry_id)
        .where(
            *_books_lines(company_id, month),
            _L.account_id.in_(accounts),
            or_(_E.id.in_(settled), _E.reversal_of_id.in_(settled)),
        )
        .group_by(_L.account_id)
    ).tuples()
    for account, debit, credit in own:
        before = moved.get(accounts[account], (0, 0))
        moved[accounts[account]] = (before[0] - int(debit), before[1] - int(credit))
    return {code: pair for code, pair in moved.items() if pair != (0, 0)}


def _opening_condition(session: Session, company_id: int, start: dt.date) -> ColumnElement[bool]:
    """Lines that make 4449's balance at ``start``: outside the à-nouveaux, before it; the
    à-nouveaux of the company's first fiscal year, on or before it."""
    first_year = session.scalar(
        select(models.FiscalYear.id)
        .where(models.FiscalYear.company_id == company_id)
        .order_by(models.FiscalYear.start_date)
        .limit(1)
    )
    opening = _J.kind == rules.OPENING
    return or_(
        and_(not_(opening), _L.entry_date < start),
        and_(opening, _E.fiscal_year_id == first_year, _L.entry_date <= start) if first_year else false(),
    )


def previous_credit(session: Session, company_id: int, start: dt.date) -> int:
    """The VAT credit carried (4449's debit balance) at the start of a month."""
    accounts = _accounts(session, company_id, (ledger_vat.CREDIT,))
    if not accounts:
        return 0
    balance = session.scalar(
        select(func.coalesce(func.sum(_L.debit - _L.credit), 0))
        .join(_E, _E.id == _L.entry_id)
        .join(_J, _J.id == _E.journal_id)
        .where(
            _E.company_id == company_id,
            _E.status == models.POSTED,
            _L.account_id.in_(accounts),
            _opening_condition(session, company_id, start),
        )
    )
    return max(int(balance or 0), 0)


def _period(session: Session, company_id: int, month: Month) -> Any:
    found = session.execute(
        select(models.Period.locked, models.FiscalYear.code)
        .join(models.FiscalYear, models.FiscalYear.id == models.Period.fiscal_year_id)
        .where(
            models.FiscalYear.company_id == company_id,
            models.Period.start_date <= month.start,
            models.Period.end_date >= month.start,
        )
    ).first()
    if found is None:
        raise NotFound(f"Aucun exercice ne couvre le mois {month.code}.", field="periode")
    return found


def current_settlement(session: Session, company_id: int, month: Month) -> SettlementRef | None:
    """The month's settlement whose entry is not reversed, if any."""
    reversal = aliased(models.Entry)
    reversed_ = exists().where(reversal.reversal_of_id == models.VatSettlement.entry_id)
    row = session.execute(
        select(
            models.VatSettlement.id,
            models.VatSettlement.entry_id,
            _E.number,
            models.VatSettlement.due,
            models.VatSettlement.credit,
        )
        .join(_E, _E.id == models.VatSettlement.entry_id)
        .where(
            models.VatSettlement.company_id == company_id,
            models.VatSettlement.period == month.code,
            ~reversed_,
        )
    ).first()
    return None if row is None else SettlementRef(*row)


def vat_return(session: Session, company: CompanyContext, month: Month) -> VatReturn:
    """The month's return with its controls."""
    vat = country_vat(session, company.id)
    period = _period(session, company.id, month)
    totals = _taxed_totals(session, company.id, month)
    carried = previous_credit(session, company.id, month.start)
    values = ledger_vat.aggregate(vat, totals, carried)
    boxes = ledger_vat.compute(vat, values)
    due, credit = ledger_vat.result(boxes)
    movements = _vat_movements(session, company.id, month)
    collected = {c: cr - d for c, (d, cr) in movements.items() if c.startswith(ledger_vat.COLLECTED)}
    deductible = {c: d - cr for c, (d, cr) in movements.items() if c.startswith(ledger_vat.DEDUCTIBLE)}
    controls = _controls(vat, totals, values, collected, deductible, period.locked)
    return VatReturn(
        month,
        vat,
        boxes,
        due,
        credit,
        carried,
        controls,
        bool(period.locked),
        period.code,
        current_settlement(session, company.id, month),
        collected,
        deductible,
    )


def _controls(
    vat: ledger_vat.CountryVat,
    totals: Sequence[ledger_vat.TaxedTotal],
    values: dict[str, int],
    collected: dict[str, int],
    deductible: dict[str, int],
    locked: bool,
) -> list[Control]:
    said_collected = sum(v for k, v in values.items() if k.startswith("tva:"))
    said_deductible = sum(values.get(f"deductible:{g}", 0) for g in ("immobilisations", "biens", "services"))
    controls = [
        Control(
            "collectee",
            "TVA collectée des cases = mouvements des comptes 443",
            said_collected == sum(collected.values()),
            sum(collected.values()),
            said_collected,
        ),
        Control(
            "deductible",
            "TVA déductible des cases = mouvements des comptes 445",
            said_deductible == sum(deductible.values()),
            sum(deductible.values()),
            said_deductible,
        ),
    ]
    for code, tax in vat.taxes.items():
        if not tax.taxable:
            continue
        rows = [t for t in totals if t.tax == code and ledger_vat.is_vat_account(t.account)]
        if not rows:
            continue
        base = sum(abs(t.base_credit) for t in rows)
        amount = sum(abs(t.credit - t.debit) for t in rows)
        # in minor units: the bases × the rate, rounded; each line may have rounded by one unit
        expected_minor = int(ledger_vat.tax_of(Decimal(base), tax.rate, 0))
        lines = sum(t.lines for t in rows)
        controls.append(
            Control(
                f"taux:{code}",
                "Bases × ${taux} % = TVA ${code} (à l'arrondi près)",
                abs(expected_minor - amount) <= lines,
                expected_minor,
                amount,
                (("taux", ledger_vat.percent(tax.rate)), ("code", code)),
            )
        )
    controls.append(Control("verrouillage", "Période verrouillée", locked))
    return controls


def said(control: Control) -> str:
    """A control's label with its values, in French (the web layer translates the template)."""
    text = control.label
    for name, value in control.values:
        text = text.replace("${" + name + "}", value)
    return text


# -- drill-down ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoxLine:
    id: int
    entry_id: int
    number: str | None
    entry_date: dt.date
    journal: str
    account: str
    label: str
    partner: str | None
    tax: str | None
    base: int | None
    debit: int
    credit: int


def _taxed_condition(
    vat: ledger_vat.CountryVat, accounts: dict[int, str], terms: set[str]
) -> ColumnElement[bool] | None:
    """The taxed lines that feed ``terms``: for each tax code, the accounts whose lines with it
    count there — asked of the ledger's ``line_terms``, the one definition the return sums by."""
    wanted: dict[str, list[int]] = {}
    for tax in vat.taxes.values():
        ids = [
            account_id
            for account_id, code in accounts.items()
            if any(term in terms for pair in ledger_vat.line_terms(code, tax) for term in pair if term)
        ]
        if ids:
            wanted[tax.code] = ids
    if not wanted:
        return None
    return or_(*(and_(_L.tax_code == code, _L.account_id.in_(ids)) for code, ids in wanted.items()))


def box_lines(
    session: Session, company: CompanyContext, month: Month, box: str, after: int = 0, limit: int = 100
) -> tuple[ledger_vat.Box, list[BoxLine], bool]:
    """The lines a box comes from, in line order from ``after`` (a line id): the box, a page
    of lines, whether more follow. The credit carried names 4449's lines before the month."""
    vat = country_vat(session, company.id)
    found = next((b for b in vat.boxes if b.code == box), None)
    if found is None:
        raise InvalidInput(
            f"Case inconnue : {box[:20]} (cases : {', '.join(b.code for b in vat.boxes)}).", field="case"
        )
    terms = ledger_vat.leaf_terms(vat, box)
    # The page's line ids first, from lines and their entries only — the month's taxed lines by
    # their index, the credit's lines before the month by 4449's accounts — then their details.
    groups: list[tuple[ColumnElement[bool], bool]] = []  # a condition, whether it reads the journal
    accounts = dict(session.execute(select(_A.id, _A.code).where(_A.company_id == company.id)).tuples().all())
    taxed = _taxed_condition(vat, accounts, terms)
    if taxed is not None:
        groups.append((and_(_L.entry_date >= month.start, _L.entry_date <= month.end, taxed), False))
    if "credit_anterieur" in terms:
        credit = [i for i, code in accounts.items() if code.startswith(ledger_vat.CREDIT)]
        if credit:
            groups.append(
                (and_(_L.account_id.in_(credit), _opening_condition(session, company.id, month.start)), True)
            )
    ids: list[int] = []
    for condition, journal in groups:
        page = select(_L.id).join(_E, _E.id == _L.entry_id)
        if journal:
            page = page.join(_J, _J.id == _E.journal_id)
        ids += session.scalars(
            page.where(_E.company_id == company.id, _E.status == models.POSTED, _L.id > after, condition)
            # by id + 0: the lines are found by the month's (or the accounts') index and the
            # page sorted, never by walking the whole table's primary key up to the month
            .order_by(_L.id + 0)
            .limit(limit + 1)
        ).all()
    ids = sorted(ids)[: limit + 1]
    rows = session.execute(
        select(
            _L.id,
            _E.id,
            _E.number,
            _L.entry_date,
            _J.code,
            _L.account_id,
            _L.label,
            _L.partner,
            _L.tax_code,
            _L.tax_base,
            _L.debit,
            _L.credit,
        )
        .join(_E, _E.id == _L.entry_id)
        .join(_J, _J.id == _E.journal_id)
        .where(_L.id.in_(ids))
        .order_by(_L.id)
    ).tuples()
    lines = [BoxLine(r[0], r[1], r[2], r[3], r[4], accounts[r[5]], *r[6:]) for r in rows]
    return found, lines[:limit], len(lines) > limit


# -- the settlement -------------------------------------------------------------------------


def settle(
    session: Session, company: CompanyContext, month: Month, user_id: int
) -> tuple[SettlementRef, posting.EntryRecord]:
    """Post the month's settlement: an OD entry on its last day that clears each 443x and 445x
    of the month's movements, uses the credit carried and carries the new one on 4449, puts
    the rest due on 4441. Once per month (409 naming the entry; reversing it reopens the
    month); refused while the return disagrees with the books; the date's period must be open."""
    session.execute(select(models.Company.id).where(models.Company.id == company.id).with_for_update())
    already = current_settlement(session, company.id, month)
    if already is not None:
        raise Conflict(
            f"La TVA de {month.code} est déjà liquidée par l'écriture {already.number} :"
            " extournez-la pour liquider à nouveau.",
            field="periode",
        )
    found = vat_return(session, company, month)
    broken = [c for c in found.controls if not c.ok and c.code != "verrouillage"]
    if broken:
        raise Conflict(
            "La déclaration ne concorde pas avec la comptabilité : "
            + " ; ".join(said(c) for c in broken)
            + ". Portez le code de taxe et la base sur chaque ligne de TVA du mois.",
            field="periode",
        )
    lines, due, credit = ledger_vat.settlement(
        found.collected_by_account, found.deductible_by_account, found.previous_credit
    )
    currency = company.currency
    label = f"Liquidation de la TVA de {month.start:%m/%Y}"
    draft = rules.EntryDraft(
        journal="OD",
        date=month.end,
        label=label,
        reference=f"TVA-{month.code}",
        lines=tuple(
            rules.LineDraft(
                ln.account,
                label,
                from_minor(ln.debit, currency),
                from_minor(ln.credit, currency),
            )
            for ln in lines
        ),
    )
    accounts = {ln.account for ln in lines}
    missing = sorted(
        accounts
        - set(
            session.scalars(select(_A.code).where(_A.company_id == company.id, _A.code.in_(accounts))).all()
        )
    )
    if missing:
        raise InvalidInput(
            f"Compte absent du plan : {', '.join(missing)} (ajoutez-le au plan comptable).", field="periode"
        )
    entry = posting.create_entry(session, company, draft, user_id, post=True)
    settlement = models.VatSettlement(
        company_id=company.id,
        period=month.code,
        entry_id=entry.id,
        due=due,
        credit=credit,
        created_by_id=user_id,
    )
    session.add(settlement)
    session.flush()
    return SettlementRef(settlement.id, entry.id, entry.number, due, credit), entry
