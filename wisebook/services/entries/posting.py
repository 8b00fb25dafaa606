"""Entries: save a draft, post it (number, chain, balances), reverse it, delete a draft.

The posting path speaks SQL through Core statements and returns plain records: the ORM's
unit of work cost more CPU than everything else a posting does, and the records are what
the API shows anyway.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import Row, String, any_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload, selectinload

from wisebook.data import ohada
from wisebook.db import dialect, models, run
from wisebook.db.meta import Base
from wisebook.ledger import entries as rules
from wisebook.ledger.accounts import Account
from wisebook.ledger.chain import ChainLine
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.ledger.money import exponent, from_minor, to_json, to_minor
from wisebook.ledger.numbering import format_number
from wisebook.ledger.periods import Period
from wisebook.ledger.vat import CountryVat, is_vat_account
from wisebook.services.books.companies import CompanyContext
from wisebook.services.entries import balances, sealing
from wisebook.services.platform import webhooks

_T = TypeVar("_T")


@dataclass(frozen=True)
class LineRecord:
    """A saved line, amounts in minor units."""

    account_id: int
    account: str
    account_label: str
    label: str
    debit: int
    credit: int
    partner: str | None
    lettrable: bool = False  # the account's: its lines are lettered, kept open until then
    tax: str | None = None  # the line's tax code (TVA18, EXO…) and its taxable base
    tax_base: int | None = None


@dataclass(frozen=True)
class EntryRecord:
    """A saved entry as the books show it, with the ids posting needs."""

    id: int
    company_id: int
    journal_id: int
    journal: str
    fiscal_year_id: int
    fiscal_year: str
    period_id: int
    number: str | None
    status: str
    entry_date: dt.date
    label: str
    reference: str | None
    total: int
    reversal_of_id: int | None
    hash: str | None
    created_at: dt.datetime
    posted_at: dt.datetime | None
    lines: tuple[LineRecord, ...]


#: What reading an entry as a record needs, loaded with it.
ENTRY_GRAPH = (
    selectinload(models.Entry.lines).joinedload(models.Line.account),
    joinedload(models.Entry.journal),
    joinedload(models.Entry.fiscal_year),
)


def record(entry: models.Entry) -> EntryRecord:
    """The record of an entry loaded with ``ENTRY_GRAPH``."""
    return EntryRecord(
        id=entry.id,
        company_id=entry.company_id,
        journal_id=entry.journal_id,
        journal=entry.journal.code,
        fiscal_year_id=entry.fiscal_year_id,
        fiscal_year=entry.fiscal_year.code,
        period_id=entry.period_id,
        number=entry.number,
        status=entry.status,
        entry_date=entry.entry_date,
        label=entry.label,
        reference=entry.reference,
        total=entry.total,
        reversal_of_id=entry.reversal_of_id,
        hash=entry.hash,
        created_at=entry.created_at,
        posted_at=entry.posted_at,
        lines=tuple(
            LineRecord(
                ln.account_id,
                ln.account.code,
                ln.account.label,
                ln.label,
                ln.debit,
                ln.credit,
                ln.partner,
                ln.account.lettrable,
                ln.tax_code,
                ln.tax_base,
            )
            for ln in entry.lines
        ),
    )


#: The posting's reads, built once (module level, bound parameters) and run as Core: a posting
#: pays neither their construction nor their cache key. Each names its company.
_JOURNAL = select(models.Journal.id, models.Journal.code, models.Journal.kind).where(
    models.Journal.company_id == bindparam("company"), models.Journal.code == bindparam("code")
)
_ACCOUNT_COLUMNS = select(
    models.Account.id,
    models.Account.code,
    models.Account.label,
    models.Account.postable,
    models.Account.lettrable,
).where(models.Account.company_id == bindparam("company"))
_ACCOUNTS = _ACCOUNT_COLUMNS.where(models.Account.code.in_(bindparam("codes", expanding=True)))
#: On PostgreSQL the codes go as one array: the statement's text is the same whatever their
#: number, so it is prepared once (an expanding IN is a new text for each count).
_ACCOUNTS_ANY = _ACCOUNT_COLUMNS.where(
    models.Account.code == any_(bindparam("codes", type_=postgresql.ARRAY(String)))
)
_PARTNER_COLUMNS = (
    select(models.Partner.code, models.Account.code.label("account"))
    .join(models.Account, models.Account.id == models.Partner.account_id)
    .where(models.Partner.company_id == bindparam("company"))
)
_PARTNERS = _PARTNER_COLUMNS.where(models.Partner.code.in_(bindparam("codes", expanding=True)))
_PARTNERS_ANY = _PARTNER_COLUMNS.where(
    models.Partner.code == any_(bindparam("codes", type_=postgresql.ARRAY(String)))
)
_PARTNERS_REQUIRED = select(models.Company.partners_required).where(models.Company.id == bindparam("company"))
_COUNTRY = select(models.Company.country).where(models.Company.id == bindparam("company"))
_PERIOD = (
    select(
        models.Period.id,
        models.Period.number,
        models.Period.start_date,
        models.Period.end_date,
        models.Period.locked,
        models.FiscalYear.id.label("fiscal_year_id"),
        models.FiscalYear.code.label("fiscal_year"),
        models.FiscalYear.status.label("fiscal_year_status"),
        models.FiscalYear.start_date.label("fiscal_year_start"),
    )
    .join(models.FiscalYear, models.FiscalYear.id == models.Period.fiscal_year_id)
    .where(
        models.FiscalYear.company_id == bindparam("company"),
        models.Period.start_date <= bindparam("day"),
        models.Period.end_date >= bindparam("day"),
    )
)


_ENTRIES = Base.metadata.tables[models.Entry.__tablename__]
_NEW_ENTRY = insert(_ENTRIES).returning(_ENTRIES.c.id)
_NEW_LINES = insert(Base.metadata.tables[models.Line.__tablename__])
_POST_ENTRY = update(_ENTRIES).where(_ENTRIES.c.id == bindparam("b_entry"))


def _journal(session: Session, company_id: int, code: str) -> Row[Any]:
    journal = run(session, _JOURNAL, company=company_id, code=code).one_or_none()
    if journal is None:
        raise InvalidInput(f"Journal inconnu : {code}.", field="journal")
    return journal


def _accounts(session: Session, company_id: int, codes: Iterable[str]) -> dict[str, Row[Any]]:
    """The accounts named, by code: id, code, label, postable, lettrable."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    statement = _ACCOUNTS_ANY if dialect.is_postgresql(session) else _ACCOUNTS
    return {r.code: r for r in run(session, statement, company=company_id, codes=wanted)}


def _partners(session: Session, company_id: int, lines: Sequence[rules.LineDraft]) -> dict[str, str]:
    """The registered tiers the lines name, by code: their collective account's number."""
    wanted = sorted({ln.partner for ln in lines if ln.partner})
    if not wanted:
        return {}
    statement = _PARTNERS_ANY if dialect.is_postgresql(session) else _PARTNERS
    return {r.code: r.account for r in run(session, statement, company=company_id, codes=wanted)}


def _partners_required(
    session: Session, company_id: int, lines: Sequence[rules.LineDraft], accounts: Mapping[str, Row[Any]]
) -> bool:
    """The company's setting, read only when a line on a lettrable 40/41 account names no tiers."""
    if not any(
        ln.partner is None
        and ln.account in accounts
        and rules.partner_required(_account(accounts[ln.account]), True)
        for ln in lines
    ):
        return False
    return bool(run(session, _PARTNERS_REQUIRED, company=company_id).scalar_one())


def _vat(session: Session, company_id: int, lines: Sequence[rules.LineDraft]) -> CountryVat | None:
    """The taxes of the company's country, read only when a line carries a tax code."""
    if not any(ln.tax or ln.base is not None for ln in lines):
        return None
    return ohada.vat(run(session, _COUNTRY, company=company_id).scalar_one())


def _account(row: Row[Any]) -> Account:
    return Account(row.code, row.label, row.postable, row.lettrable)


def _check_lines(
    session: Session,
    company_id: int,
    lines: Sequence[rules.LineDraft],
    accounts: Mapping[str, Row[Any]],
    posting: bool,
    max_lines: int | None = rules.MAX_LINES,
    partners: bool = True,
    currency: str = "XOF",
) -> None:
    """The ledger's line rules; with ``partners``, the tiers rule on the register (and, when
    posting, the company's setting that asks for a tiers on lettrable 40/41 accounts); the
    tax rule on the company's country's codes."""
    rules.check_lines(
        lines,
        {c: _account(a) for c, a in accounts.items()},
        posting=posting,
        max_lines=max_lines,
        partners=_partners(session, company_id, lines) if partners else None,
        partners_required=partners and posting and _partners_required(session, company_id, lines, accounts),
        vat=_vat(session, company_id, lines),
        places=exponent(currency),
    )


def _check_date(session: Session, company_id: int, day: dt.date) -> Row[Any]:
    """The open, unlocked period of ``day`` with its fiscal year's id and code."""
    found = run(session, _PERIOD, company=company_id, day=day).one_or_none()
    if found is None:
        rules.check_date(day, None, False, None)
        raise AssertionError("unreachable")
    rules.check_date(
        day,
        Period(found.number, found.start_date, found.end_date, found.locked),
        found.fiscal_year_status == "ouvert",
        found.fiscal_year,
    )
    return found


def open_period(session: Session, company_id: int, day: dt.date) -> Row[Any]:
    """The open, unlocked period of ``day``, or the ledger's refusal (no year, year closed,
    period locked)."""
    return _check_date(session, company_id, day)


def create_entry(
    session: Session,
    company: CompanyContext,
    draft: rules.EntryDraft,
    user_id: int,
    *,
    post: bool,
    reversal_of_id: int | None = None,
    max_lines: int | None = rules.MAX_LINES,
    partners: bool = True,
) -> EntryRecord:
    """Save ``draft`` (checked as a draft, or fully when ``post``), then post it if asked.
    The books' own entries that repeat posted lines (reversals, à-nouveaux) pass ``partners``
    False: their tiers were checked when first posted."""
    journal, period, lines = _checked(
        session, company, draft, post=post, max_lines=max_lines, partners=partners
    )
    created = dt.datetime.now(dt.UTC)
    total = sum(ln.debit for ln in lines)
    entry_id = run(
        session,
        _NEW_ENTRY,
        company_id=company.id,
        journal_id=journal.id,
        fiscal_year_id=period.fiscal_year_id,
        period_id=period.id,
        entry_date=draft.date,
        label=draft.label,
        reference=draft.reference,
        status=models.DRAFT,
        total=total,
        created_by_id=user_id,
        created_at=created,
        reversal_of_id=reversal_of_id,
    ).scalar_one()
    _insert_lines(session, entry_id, lines, draft.date)
    saved = EntryRecord(
        id=entry_id,
        company_id=company.id,
        journal_id=journal.id,
        journal=journal.code,
        fiscal_year_id=period.fiscal_year_id,
        fiscal_year=period.fiscal_year,
        period_id=period.id,
        number=None,
        status=models.DRAFT,
        entry_date=draft.date,
        label=draft.label,
        reference=draft.reference,
        total=total,
        reversal_of_id=reversal_of_id,
        hash=None,
        created_at=created,
        posted_at=None,
        lines=lines,
    )
    return _post(session, company, saved, user_id) if post else saved


def _checked(
    session: Session,
    company: CompanyContext,
    draft: rules.EntryDraft,
    *,
    post: bool,
    max_lines: int | None = rules.MAX_LINES,
    partners: bool = True,
) -> tuple[Row[Any], Row[Any], tuple[LineRecord, ...]]:
    """``draft`` checked (as a draft, or fully when ``post``): its journal, period and lines.
    Every fault of the entry is said at once: one refusal carries them all (a single fault is
    raised as it is)."""
    faults: list[InvalidInput] = []

    def noted(check: Callable[[], _T]) -> _T | None:
        try:
            return check()
        except InvalidInput as exc:
            faults.append(exc)
            return None

    if not draft.label:
        faults.append(InvalidInput("Le libellé de l'écriture est obligatoire.", field="libelle"))
    journal = noted(lambda: _journal(session, company.id, draft.journal))
    accounts = _accounts(session, company.id, (ln.account for ln in draft.lines))
    noted(
        lambda: _check_lines(
            session,
            company.id,
            draft.lines,
            accounts,
            posting=post,
            max_lines=max_lines,
            partners=partners,
            currency=company.currency,
        )
    )
    period = noted(lambda: _check_date(session, company.id, draft.date))
    if journal is not None and period is not None and journal.kind == rules.OPENING:
        # « A » typed on ACH in the journal list lands here: say so
        noted(lambda: rules.check_opening(draft.lines, draft.date, period.fiscal_year_start))
    if len(faults) == 1:
        raise faults[0]
    if faults:
        raise InvalidInput(rules.RULES_BROKEN, errors=[e for fault in faults for e in fault.errors])
    assert journal is not None and period is not None
    lines = tuple(
        LineRecord(
            account_id=accounts[ln.account].id,
            account=ln.account,
            account_label=accounts[ln.account].label,
            label=ln.label[:255],
            debit=to_minor(ln.debit, company.currency),
            credit=to_minor(ln.credit, company.currency),
            partner=ln.partner,
            lettrable=accounts[ln.account].lettrable,
            tax=ln.tax,
            tax_base=_tax_base(ln, company.currency),
        )
        for ln in draft.lines
    )
    return journal, period, lines


def _tax_base(line: rules.LineDraft, currency: str) -> int | None:
    """A checked line's base in minor units: the one typed, or for a zero-rate code on a sales
    or purchase line, the line's amount."""
    if line.tax is None:
        return None
    if line.base is not None:
        return to_minor(line.base, currency)
    return None if is_vat_account(line.account) else to_minor(line.debit or line.credit, currency)


def check_entry(session: Session, company: CompanyContext, draft: rules.EntryDraft, *, post: bool) -> None:
    """Check ``draft`` as saving it would (every fault at once), writing nothing."""
    _checked(session, company, draft, post=post)


#: Cash accounts (caisse): their balance is the money in the till, never below zero.
CASH_PREFIX = "57"


@dataclass(frozen=True)
class Shortfall:
    """A cash account the entry would leave in credit at its date: its first line in the entry,
    its number and the balance it would have (minor units, negative)."""

    line: int
    account: str
    balance: int


_BALANCE_BEFORE_PERIOD = (
    select(func.coalesce(func.sum(models.AccountBalance.debit - models.AccountBalance.credit), 0))
    .join(models.Period, models.Period.id == models.AccountBalance.period_id)
    .where(
        models.AccountBalance.account_id == bindparam("account"),
        models.AccountBalance.fiscal_year_id == bindparam("fiscal_year"),
        models.Period.end_date < bindparam("start"),
    )
)
_BALANCE_IN_PERIOD = (
    select(func.coalesce(func.sum(models.Line.debit - models.Line.credit), 0))
    .join(models.Entry, models.Entry.id == models.Line.entry_id)
    .where(
        models.Line.account_id == bindparam("account"),
        models.Line.entry_date >= bindparam("start"),
        models.Line.entry_date <= bindparam("day"),
        models.Entry.status == models.POSTED,
    )
)


def cash_shortfalls(session: Session, company: CompanyContext, draft: rules.EntryDraft) -> list[Shortfall]:
    """The cash accounts (57) that ``draft``, posted, would leave in credit at its date: the
    fiscal year's posted movements up to that day (whole periods from their totals, the day's
    period from its lines) plus the entry's. A checked draft is expected."""
    moves: dict[str, int] = {}
    first: dict[str, int] = {}
    for index, ln in enumerate(draft.lines):
        if ln.account.startswith(CASH_PREFIX):
            moves[ln.account] = moves.get(ln.account, 0) + to_minor(ln.debit - ln.credit, company.currency)
            first.setdefault(ln.account, index)
    paying = {code: move for code, move in moves.items() if move < 0}
    if not paying:
        return []
    period = _check_date(session, company.id, draft.date)
    accounts = _accounts(session, company.id, paying)
    found = []
    for code, move in paying.items():
        params = {"account": accounts[code].id, "start": period.start_date}
        before = run(
            session, _BALANCE_BEFORE_PERIOD, fiscal_year=period.fiscal_year_id, **params
        ).scalar_one()
        within = run(session, _BALANCE_IN_PERIOD, day=draft.date, **params).scalar_one()
        after = int(before) + int(within) + move
        if after < 0:
            found.append(Shortfall(first[code], code, after))
    return found


def _insert_lines(session: Session, entry_id: int, lines: Iterable[LineRecord], day: dt.date) -> None:
    """Write an entry's lines, numbered from 1."""
    rows = [
        {
            "entry_id": entry_id,
            "line_no": index,
            "account_id": ln.account_id,
            "label": ln.label,
            "debit": ln.debit,
            "credit": ln.credit,
            "partner": ln.partner,
            "entry_date": day,
            "tax_code": ln.tax,
            "tax_base": ln.tax_base,
        }
        for index, ln in enumerate(lines, start=1)
    ]
    # One statement compiled once, its rows sent in multi-row batches by the driver's
    # "insertmanyvalues" (psycopg2: execute_values), not a round trip per line.
    run(session, _NEW_LINES, rows)


def update_draft(
    session: Session,
    company: CompanyContext,
    entry_id: int,
    draft: rules.EntryDraft,
    user_id: int,
    *,
    post: bool,
) -> EntryRecord:
    """Replace a draft's head and lines by ``draft`` (checked like a new one), then post it if
    asked; a posted entry is never changed (409: reverse it instead)."""
    entry = _lock_entry(session, company.id, entry_id)
    if entry.status == models.POSTED:
        raise Conflict(
            f"L'écriture {entry.number} est validée : elle ne se modifie pas, elle s'extourne.",
            field="statut",
        )
    journal, period, lines = _checked(session, company, draft, post=post)
    session.execute(delete(models.Line).where(models.Line.entry_id == entry.id))
    entry.journal_id = journal.id
    entry.fiscal_year_id = period.fiscal_year_id
    entry.period_id = period.id
    entry.entry_date = draft.date
    entry.label = draft.label
    entry.reference = draft.reference
    entry.total = sum(ln.debit for ln in lines)
    session.flush()
    _insert_lines(session, entry.id, lines, draft.date)
    session.expire(entry)
    saved = get_entry(session, company.id, entry.id)
    return _post(session, company, saved, user_id) if post else saved


def get_entry(session: Session, company_id: int, entry_id: int) -> EntryRecord:
    """One entry of the company, with its lines and their accounts."""
    entry = session.scalars(
        select(models.Entry)
        .options(*ENTRY_GRAPH)
        .where(models.Entry.id == entry_id, models.Entry.company_id == company_id)
    ).one_or_none()
    if entry is None:
        raise NotFound(f"Écriture introuvable : {entry_id}.", field="id")
    return record(entry)


def _lock_entry(session: Session, company_id: int, entry_id: int) -> models.Entry:
    """The entry, row-locked so two requests cannot post or delete it at once."""
    entry = session.scalars(
        select(models.Entry)
        .options(*ENTRY_GRAPH)
        .where(models.Entry.id == entry_id, models.Entry.company_id == company_id)
        .with_for_update(of=models.Entry)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if entry is None:
        raise NotFound(f"Écriture introuvable : {entry_id}.", field="id")
    return entry


def _as_drafts(lines: Iterable[LineRecord], currency: str) -> list[rules.LineDraft]:
    """Saved lines as the ledger checks them."""
    return [
        rules.LineDraft(
            ln.account,
            ln.label,
            from_minor(ln.debit, currency),
            from_minor(ln.credit, currency),
            ln.partner,
            ln.tax,
            None if ln.tax_base is None else from_minor(ln.tax_base, currency),
        )
        for ln in lines
    ]


def post_draft(session: Session, company: CompanyContext, entry_id: int, user_id: int) -> EntryRecord:
    """Post a draft: full checks, then a number, a link in the chain and the balances."""
    entry = _lock_entry(session, company.id, entry_id)
    if entry.status == models.POSTED:
        raise Conflict(f"L'écriture {entry.number} est déjà validée.", field="statut")
    saved = record(entry)
    accounts = _accounts(session, company.id, (ln.account for ln in saved.lines))
    _check_lines(
        session,
        company.id,
        _as_drafts(saved.lines, company.currency),
        accounts,
        posting=True,
        currency=company.currency,
    )
    period = _check_date(session, company.id, saved.entry_date)
    saved = replace(
        saved, period_id=period.id, fiscal_year_id=period.fiscal_year_id, fiscal_year=period.fiscal_year
    )
    return _post(session, company, saved, user_id)


def _post(session: Session, company: CompanyContext, entry: EntryRecord, user_id: int) -> EntryRecord:
    """Number, chain and post a checked entry whose lines are written; update the balances.
    The one lock is the journal counter row (``sealing``), held until commit."""
    sequence, previous_hash = sealing.reserve(session, entry.journal_id, entry.fiscal_year_id, 1)
    number = format_number(entry.journal, entry.fiscal_year, sequence)
    reversal_of = None
    if entry.reversal_of_id is not None:
        reversal_of = session.scalar(
            select(models.Entry.number).where(models.Entry.id == entry.reversal_of_id)
        )
    chain_hash = sealing.seal(
        previous_hash,
        company_id=company.id,
        currency=company.currency,
        journal=entry.journal,
        number=number,
        day=entry.entry_date,
        label=entry.label,
        reference=entry.reference,
        lines=(
            ChainLine(ln.account, ln.label, ln.debit, ln.credit, ln.partner, ln.tax, ln.tax_base)
            for ln in entry.lines
        ),
        reversal_of=reversal_of,
    )
    sealing.close(session, entry.journal_id, entry.fiscal_year_id, chain_hash)
    posted = replace(
        entry,
        status=models.POSTED,
        number=number,
        hash=chain_hash,
        total=sum(ln.debit for ln in entry.lines),
        posted_at=dt.datetime.now(dt.UTC),
    )
    run(
        session,
        _POST_ENTRY,
        b_entry=entry.id,
        status=posted.status,
        sequence=sequence,
        number=number,
        hash=chain_hash,
        total=posted.total,
        period_id=entry.period_id,
        fiscal_year_id=entry.fiscal_year_id,
        posted_at=posted.posted_at,
        posted_by_id=user_id,
    )
    movements: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for ln in entry.lines:
        movements[ln.account_id][0] += ln.debit
        movements[ln.account_id][1] += ln.credit
    balances.add_to_balances(
        session, company.id, entry.fiscal_year_id, entry.period_id, entry.journal_id, movements
    )
    balances.add_to_partner_balances(
        session,
        company.id,
        entry.fiscal_year_id,
        entry.period_id,
        ((ln.account_id, ln.partner, ln.debit, ln.credit, ln.lettrable) for ln in entry.lines),
    )
    webhooks.emit(
        session,
        company.id,
        "ecriture.validee",
        {
            "id": entry.id,
            "numero": number,
            "journal": entry.journal,
            "date_comptable": entry.entry_date.isoformat(),
            "libelle": entry.label,
            "total": to_json(posted.total, company.currency),
            "devise": company.currency,
        },
    )
    return posted


def delete_draft(session: Session, company_id: int, entry_id: int) -> None:
    """Delete a draft; a posted entry is never deleted (409: reverse it instead)."""
    entry = _lock_entry(session, company_id, entry_id)
    if entry.status == models.POSTED:
        raise Conflict(
            f"L'écriture {entry.number} est validée : elle ne se supprime pas, elle s'extourne.",
            field="statut",
        )
    session.delete(entry)
    session.flush()


def reversal_of(session: Session, company_id: int, entry_id: int) -> tuple[int, str | None] | None:
    """The entry that reverses ``entry_id`` (its id and number), or None."""
    found = session.execute(
        select(models.Entry.id, models.Entry.number).where(
            models.Entry.company_id == company_id, models.Entry.reversal_of_id == entry_id
        )
    ).first()
    return None if found is None else (found.id, found.number)


def reverse_entry(
    session: Session,
    company: CompanyContext,
    entry_id: int,
    user_id: int,
    day: dt.date | None = None,
    label: str | None = None,
) -> EntryRecord:
    """Post the reversal of a posted entry: same journal, debit and credit swapped."""
    original = record(_lock_entry(session, company.id, entry_id))
    if original.status != models.POSTED:
        raise Conflict("Seule une écriture validée s'extourne ; un brouillon se supprime.", field="statut")
    already = session.scalar(select(models.Entry.number).where(models.Entry.reversal_of_id == original.id))
    if already is not None:
        raise Conflict(f"L'écriture {original.number} est déjà extournée par {already}.", field="id")
    draft = rules.EntryDraft(
        journal=original.journal,
        date=day or original.entry_date,
        label=(label or f"Extourne de {original.number} : {original.label}")[:255],
        reference=original.reference,
        lines=rules.reversed_lines(_as_drafts(original.lines, company.currency)),
    )
    return create_entry(
        session, company, draft, user_id, post=True, reversal_of_id=original.id, partners=False
    )
