"""Reports read from the balance table: one grouped query, never a query per account."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Select,
    String,
    and_,
    column,
    func,
    literal,
    null,
    or_,
    select,
    text,
    tuple_,
    values,
)
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.accounts import in_range
from wisebook.ledger.balances import BalanceRow, opening_columns
from wisebook.ledger.errors import InvalidInput
from wisebook.services.entries.posting import ENTRY_GRAPH, EntryRecord, record


@dataclass(frozen=True)
class TrialBalance:
    """The six-column balance of a range of a fiscal year."""

    fiscal_year: str
    start: dt.date
    end: dt.date
    rows: list[BalanceRow]


def trial_balance(
    session: Session,
    company_id: int,
    fy: models.FiscalYear,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> TrialBalance:
    """Opening (earlier months of the year and à-nouveaux), movements and balances per account.

    Whole months come from the balance table; a month cut by ``start`` or ``end`` from the
    table and the lines of its shorter parts (see ``_add_cut_month``).
    """
    start, end = period(fy, start, end)
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # od, oc, d, c

    bal, per, jrn = models.AccountBalance, models.Period, models.Journal
    is_opening = or_(per.end_date < start, jrn.kind == "a_nouveaux")
    whole = session.execute(
        select(
            bal.account_id,
            is_opening.label("opening"),
            func.sum(bal.debit),
            func.sum(bal.credit),
        )
        .join(per, per.id == bal.period_id)
        .join(jrn, jrn.id == bal.journal_id)
        .where(
            bal.company_id == company_id,
            bal.fiscal_year_id == fy.id,
            or_(per.end_date < start, and_(per.start_date >= start, per.end_date <= end)),
        )
        .group_by(bal.account_id, is_opening)
    )
    for account_id, opening, debit, credit in whole:
        _add(sums[account_id], bool(opening), int(debit or 0), int(credit or 0))

    cut_months = session.execute(
        select(per.id, per.start_date, per.end_date).where(
            per.fiscal_year_id == fy.id,
            per.start_date <= end,
            per.end_date >= start,
            or_(per.start_date < start, per.end_date > end),
        )
    ).all()
    for period_id, month_start, month_end in cut_months:
        _add_cut_month(session, company_id, sums, period_id, month_start, month_end, start, end)

    accounts = (
        {
            r.id: (r.code, r.label)
            for r in session.execute(
                select(models.Account.id, models.Account.code, models.Account.label).where(
                    models.Account.id.in_(list(sums))
                )
            )
        }
        if sums
        else {}
    )
    rows = []
    for account_id, (od, oc, d, c) in sums.items():
        opening_debit, opening_credit = opening_columns(od, oc)
        code, label = accounts[account_id]
        rows.append(BalanceRow(code, label, opening_debit, opening_credit, d, c))
    rows.sort(key=lambda r: r.account)
    return TrialBalance(fy.code, start, end, rows)


def _add_cut_month(
    session: Session,
    company_id: int,
    sums: dict[int, list[int]],
    period_id: int,
    month_start: dt.date,
    month_end: dt.date,
    start: dt.date,
    end: dt.date,
) -> None:
    """Add a month that ``start`` or ``end`` cuts: its days before the range open the balance,
    its days inside are movements, its days after are left out; à-nouveaux always open.

    The month's totals come from the balance table. Lines are read for the two shortest of
    the three parts only; the longest is the totals less the other two, so a cut month costs
    at most half a month of lines, whatever day the cut falls on.
    """
    bal, jrn, ent, line = models.AccountBalance, models.Journal, models.Entry, models.Line
    one_day = dt.timedelta(days=1)
    parts = {
        "before": (month_start, min(month_end, start - one_day)),
        "inside": (max(month_start, start), min(month_end, end)),
        "after": (max(month_start, end + one_day), month_end),
    }
    days = {name: max(0, (b - a).days + 1) for name, (a, b) in parts.items()}
    derived = max(days, key=lambda name: days[name])
    found: dict[str, dict[int, list[int]]] = {name: defaultdict(lambda: [0, 0]) for name in parts}
    for name, (low, high) in parts.items():
        if name == derived or days[name] == 0:
            continue
        rows = session.execute(
            select(line.account_id, func.sum(line.debit), func.sum(line.credit))
            .join(ent, ent.id == line.entry_id)
            .join(jrn, jrn.id == ent.journal_id)
            .where(
                ent.company_id == company_id,
                ent.status == models.POSTED,
                jrn.kind != "a_nouveaux",
                ent.entry_date >= low,
                ent.entry_date <= high,
                line.entry_date >= low,  # the lines' own date index narrows the scan
                line.entry_date <= high,
            )
            .group_by(line.account_id)
        )
        for account_id, debit, credit in rows:
            found[name][account_id] = [int(debit or 0), int(credit or 0)]
    is_an = jrn.kind == "a_nouveaux"
    month = session.execute(
        select(bal.account_id, is_an, func.sum(bal.debit), func.sum(bal.credit))
        .join(jrn, jrn.id == bal.journal_id)
        .where(bal.period_id == period_id, bal.company_id == company_id)
        .group_by(bal.account_id, is_an)
    )
    for account_id, an, debit, credit in month:
        if an:
            _add(sums[account_id], True, int(debit or 0), int(credit or 0))
            continue
        rest = found[derived][account_id]
        rest[0] = int(debit or 0) - sum(found[n][account_id][0] for n in parts if n != derived)
        rest[1] = int(credit or 0) - sum(found[n][account_id][1] for n in parts if n != derived)
    for name, opening in (("before", True), ("inside", False)):
        for account_id, (debit, credit) in found[name].items():
            if debit or credit:
                _add(sums[account_id], opening, debit, credit)


def _add(target: list[int], opening: bool, debit: int, credit: int) -> None:
    offset = 0 if opening else 2
    target[offset] += debit
    target[offset + 1] += credit


@dataclass(frozen=True)
class BalanceFilter:
    """What the balance shows: an account range, a class, only accounts not settled."""

    accounts: tuple[str, str] | None = None
    account_class: int | None = None
    unsettled_only: bool = False

    def keep(self, row: BalanceRow) -> bool:
        if self.accounts and not in_range(row.account, *self.accounts):
            return False
        if self.account_class is not None and row.account[:1] != str(self.account_class):
            return False
        return not (self.unsettled_only and row.net == 0)


def filtered(tb: TrialBalance, keep: BalanceFilter) -> TrialBalance:
    """The balance with only the rows the filter keeps (its totals are theirs)."""
    return TrialBalance(tb.fiscal_year, tb.start, tb.end, [r for r in tb.rows if keep.keep(r)])


# --- grand livre ----------------------------------------------------------------------------


class LedgerRow(NamedTuple):
    """A row of the grand livre: an account's opening, or one of its posted lines.

    A named tuple rather than a dataclass: exports build millions of them.
    """

    account: str
    account_label: str
    date: dt.date
    journal: str | None
    number: str | None
    reference: str | None  # the entry's pièce
    label: str
    partner: str | None  # the line's tiers
    debit: int
    credit: int
    balance: int  # running, debit minus credit
    lettering: str | None = None  # the lettrage code of the line, if lettered
    entry_id: int = 0
    line_id: int = 0


OPENING_LABEL = "Solde d'ouverture"


def _ledger_cursor(row: LedgerRow) -> str:
    raw = json.dumps([row.account, row.date.isoformat(), row.entry_id, row.line_id, row.balance])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_ledger_cursor(cursor: str) -> tuple[str, dt.date, int, int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        code, day, entry_id, line_id, balance = json.loads(raw)
        return str(code), dt.date.fromisoformat(day), int(entry_id), int(line_id), int(balance)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("Curseur de pagination invalide.", field="apres") from None


def ledger_lines(account_ids: list[int], start: dt.date, end: dt.date) -> Select[Any]:
    """Posted lines of some accounts between two dates, à-nouveaux left to the opening.

    ``running`` is the one definition of the grand livre's running balance, for pages, exports
    and COPY alike: the sum of debit minus credit of the account's lines selected so far, in
    (date, entry, line) order — a row's balance is the account's balance where the selection
    starts (its opening, or a page's cursor) plus its ``running``.
    """
    line, ent, jrn = models.Line, models.Entry, models.Journal
    matched, lettering = models.ReconciliationLine, models.Reconciliation
    which = line.account_id == account_ids[0] if len(account_ids) == 1 else line.account_id.in_(account_ids)
    running = func.sum(line.debit - line.credit).over(
        partition_by=line.account_id, order_by=(line.entry_date, line.entry_id, line.id)
    )
    return (
        select(
            running.label("running"),
            line.id,
            line.account_id,
            line.entry_date,
            line.entry_id,
            line.label,
            line.partner,
            line.debit,
            line.credit,
            ent.number,
            ent.reference,
            ent.label.label("entry_label"),
            jrn.code.label("journal"),
            lettering.code.label("lettering"),
        )
        .join(ent, ent.id == line.entry_id)
        .join(jrn, jrn.id == ent.journal_id)
        .outerjoin(matched, matched.line_id == line.id)
        .outerjoin(lettering, lettering.id == matched.reconciliation_id)
        .where(
            which,
            line.entry_date >= start,
            line.entry_date <= end,
            ent.status == models.POSTED,
            jrn.kind != "a_nouveaux",
        )
    )


def general_ledger(
    session: Session,
    company_id: int,
    fy: models.FiscalYear,
    start: dt.date | None,
    end: dt.date | None,
    accounts: tuple[str, str] | None,
    limit: int | None,
    after: str | None = None,
) -> tuple[list[LedgerRow], str | None]:
    """A page of the grand livre (every row when ``limit`` is None) and the next page's cursor.

    Accounts come in number order, each opening on its balance before ``start`` (earlier months
    and à-nouveaux, as in the balance), then its posted lines in date order with a running
    balance. An account with neither opening nor movement is left out.
    """
    rows = list(iter_general_ledger(session, company_id, fy, start, end, accounts, after, limit))
    if limit is not None and len(rows) > limit:
        return rows[:limit], _ledger_cursor(rows[limit - 1])
    return rows, None


def iter_general_ledger(
    session: Session,
    company_id: int,
    fy: models.FiscalYear,
    start: dt.date | None,
    end: dt.date | None,
    accounts: tuple[str, str] | None,
    after: str | None = None,
    limit: int | None = None,
) -> Iterator[LedgerRow]:
    """The grand livre's rows from ``after`` on; one more than ``limit`` tells a page follows."""
    tb = trial_balance(session, company_id, fy, start, end)
    resume = _read_ledger_cursor(after) if after else None
    chosen = [
        r
        for r in tb.rows
        if (accounts is None or in_range(r.account, *accounts)) and (resume is None or r.account >= resume[0])
    ]
    ids: dict[str, int] = {}
    if chosen:
        found = session.execute(
            select(models.Account.code, models.Account.id).where(
                models.Account.company_id == company_id,
                models.Account.code.in_([r.account for r in chosen]),
            )
        )
        ids = {code: account_id for code, account_id in found}
    if limit is None and resume is None:
        yield from _whole_ledger(session, tb, chosen, ids)
        return
    budget = None if limit is None else limit + 1
    line = models.Line
    for row in chosen:
        if budget is not None and budget <= 0:
            return
        resuming = resume is not None and row.account == resume[0]
        if resuming:
            assert resume is not None
            balance = resume[4]
        else:
            balance = _opening(row)
            yield _opening_row(row, tb.start)
            if budget is not None:
                budget -= 1
        if row.debit == 0 and row.credit == 0:
            continue
        query = ledger_lines([ids[row.account]], tb.start, tb.end).order_by(
            line.entry_date, line.entry_id, line.id
        )
        if resuming:
            assert resume is not None
            query = query.where(
                tuple_(line.entry_date, line.entry_id, line.id)
                > tuple_(literal(resume[1]), literal(resume[2]), literal(resume[3]))
            )
        if budget is not None:
            query = query.limit(budget)
        result = session.connection().execute(query.execution_options(yield_per=2000))
        for fetched in result:
            yield _line_row(row, fetched, balance)
            if budget is not None:
                budget -= 1


def _opening(row: BalanceRow) -> int:
    """An account's balance where its grand livre starts: debit minus credit before ``start``."""
    return row.opening_debit - row.opening_credit


def _opening_row(row: BalanceRow, start: dt.date) -> LedgerRow:
    return LedgerRow(
        row.account,
        row.label,
        start,
        None,
        None,
        None,
        OPENING_LABEL,
        None,
        row.opening_debit,
        row.opening_credit,
        _opening(row),
    )


def _line_row(row: BalanceRow, fetched: Any, start_balance: int) -> LedgerRow:
    """A fetched line (see ``ledger_lines``) as a grand livre row, its balance the account's
    where the selection started plus the line's ``running``."""
    return LedgerRow(
        row.account,
        row.label,
        fetched.entry_date,
        fetched.journal,
        fetched.number,
        fetched.reference,
        fetched.label or fetched.entry_label,
        fetched.partner,
        fetched.debit,
        fetched.credit,
        start_balance + int(fetched.running),
        fetched.lettering,
        fetched.entry_id,
        fetched.id,
    )


def _whole_ledger(
    session: Session, tb: TrialBalance, chosen: list[BalanceRow], ids: dict[str, int]
) -> Iterator[LedgerRow]:
    """Every row of the grand livre from one ordered scan of the range's lines (exports).

    A query per account, as pages use, would scan the range once per account; an export
    reads every line anyway, so one sorted stream merged with the openings is cheaper.
    """
    moving = [ids[r.account] for r in chosen if r.debit or r.credit]
    lines: Iterator[Any] = iter(())
    if moving:
        line, acc = models.Line, models.Account
        query = (
            ledger_lines(moving, tb.start, tb.end)
            .add_columns(acc.code.label("account_code"))
            .join(acc, acc.id == line.account_id)
            .order_by(acc.code, line.entry_date, line.entry_id, line.id)
        )
        connection = session.connection()
        if connection.dialect.name == "postgresql":  # sort the year's lines in memory, not on disk
            connection.execute(text("SET LOCAL work_mem = '64MB'"))
        lines = iter(connection.execute(query.execution_options(yield_per=5000)))
    pending = next(lines, None)
    for row in chosen:
        opening = _opening(row)
        yield _opening_row(row, tb.start)
        while pending is not None and pending.account_code == row.account:
            yield _line_row(row, pending, opening)
            pending = next(lines, None)


# --- journals -------------------------------------------------------------------------------


class JournalLine(NamedTuple):
    """A line of the journal report: its entry's date, number and label with the line."""

    date: dt.date
    journal: str
    number: str
    entry_label: str
    reference: str | None
    account: str
    label: str
    debit: int
    credit: int


def _journal_query(
    company_id: int, fy: models.FiscalYear, start: dt.date | None, end: dt.date | None, journal: str | None
) -> Select[Any]:
    start, end = period(fy, start, end)
    line, ent, jrn, acc = models.Line, models.Entry, models.Journal, models.Account
    query = (
        select(
            ent.entry_date,
            jrn.code,
            ent.number,
            ent.label,
            ent.reference,
            acc.code,
            line.label,
            line.debit,
            line.credit,
        )
        .join(ent, ent.id == line.entry_id)
        .join(jrn, jrn.id == ent.journal_id)
        .join(acc, acc.id == line.account_id)
        .where(
            ent.company_id == company_id,
            ent.status == models.POSTED,
            ent.entry_date >= start,
            ent.entry_date <= end,
        )
        .order_by(jrn.code, ent.entry_date, ent.sequence, line.line_no)
    )
    return query.where(jrn.code == journal.upper()) if journal else query


def iter_journal(
    session: Session,
    company_id: int,
    fy: models.FiscalYear,
    start: dt.date | None,
    end: dt.date | None,
    journal: str | None,
) -> Iterator[JournalLine]:
    """Every posted line of a journal (or all journals) in date and number order, streamed.

    The range is checked at once (not at the first row), so a bad one is refused before any
    export file is started.
    """
    query = _journal_query(company_id, fy, start, end, journal)
    return (
        JournalLine(*row) for row in session.connection().execute(query.execution_options(yield_per=5000))
    )


@dataclass(frozen=True)
class JournalPage:
    """A page of a journal's posted entries (each with its lines), the range's total, the
    cursor of the next page."""

    entries: list[EntryRecord]  # in date, journal and number order
    total: int  # debits = credits of every entry of the range, not the page only
    following: str | None


def journal_page(
    session: Session,
    company_id: int,
    fy: models.FiscalYear,
    start: dt.date | None,
    end: dt.date | None,
    journal: str | None,
    limit: int,
    after: str | None = None,
) -> JournalPage:
    """A page of posted entries of a journal (or all) in a range, keyset-paged on (date,
    journal, number): the screen's journal, read a page at a time whatever the range."""
    start, end = period(fy, start, end)
    ent, jrn = models.Entry, models.Journal
    where = [
        ent.company_id == company_id,
        ent.status == models.POSTED,
        ent.entry_date >= start,
        ent.entry_date <= end,
    ]
    if journal:
        where.append(
            ent.journal_id
            == select(jrn.id)
            .where(jrn.company_id == company_id, jrn.code == journal.upper())
            .scalar_subquery()
        )
    total = int(session.scalar(select(func.coalesce(func.sum(ent.total), 0)).where(*where)) or 0)
    query = select(ent).options(*ENTRY_GRAPH).where(*where)
    if after:
        day, journal_id, sequence = _read_journal_cursor(after)
        query = query.where(
            tuple_(ent.entry_date, ent.journal_id, ent.sequence)
            > tuple_(literal(day), literal(journal_id), literal(sequence))
        )
    rows = list(
        session.scalars(query.order_by(ent.entry_date, ent.journal_id, ent.sequence).limit(limit + 1))
    )
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        raw = f"{last.entry_date.isoformat()}|{last.journal_id}|{last.sequence}"
        following = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    return JournalPage([record(e) for e in rows], total, following)


def _read_journal_cursor(cursor: str) -> tuple[dt.date, int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day, journal_id, sequence = raw.split("|")
        return dt.date.fromisoformat(day), int(journal_id), int(sequence)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("Curseur de pagination invalide.", field="apres") from None


def journal_for_copy(
    company_id: int, fy: models.FiscalYear, start: dt.date | None, end: dt.date | None, journal: str | None
) -> Select[Any]:
    """The journal report's query, for PostgreSQL's COPY (the caller formats the columns)."""
    return _journal_query(company_id, fy, start, end, journal)


def general_ledger_for_copy(
    session: Session,
    company_id: int,
    fy: models.FiscalYear,
    start: dt.date | None,
    end: dt.date | None,
    accounts: tuple[str, str] | None,
) -> Select[Any] | None:
    """The whole grand livre as one query (openings, lines, running balance by a window), for
    PostgreSQL's COPY; None when there is nothing to show.

    Columns: account, account label, date, journal, number, pièce, label, tiers, debit, credit,
    balance, lettrage code (those of ``LedgerRow``, in its order).
    """
    tb = trial_balance(session, company_id, fy, start, end)
    chosen = [r for r in tb.rows if accounts is None or in_range(r.account, *accounts)]
    if not chosen:
        return None
    opening = values(
        column("code", String),
        column("account_label", String),
        column("opening_debit", BigInteger),
        column("opening_credit", BigInteger),
        name="opening",
    ).data([(r.account, r.label, r.opening_debit, r.opening_credit) for r in chosen])
    acc = models.Account
    moving = session.scalars(
        select(acc.id).where(
            acc.company_id == company_id, acc.code.in_([r.account for r in chosen if r.debit or r.credit])
        )
    ).all()
    opening_net = opening.c.opening_debit - opening.c.opening_credit
    openings = select(
        opening.c.code,
        opening.c.account_label,
        literal(tb.start).label("day"),
        null().label("journal"),
        null().label("number"),
        null().label("reference"),
        literal(OPENING_LABEL).label("label"),
        null().label("partner"),
        opening.c.opening_debit.label("debit"),
        opening.c.opening_credit.label("credit"),
        opening_net.label("balance"),
        null().label("lettering"),
        literal(0).label("rank"),
        literal(0).label("entry_id"),
        literal(0).label("line_id"),
    )
    rows: Select[Any] | CompoundSelect[Any] = openings
    if moving:
        fetched = ledger_lines(list(moving), tb.start, tb.end).subquery()
        rows = openings.union_all(
            select(
                acc.code,
                acc.label,
                fetched.c.entry_date,
                fetched.c.journal,
                fetched.c.number,
                fetched.c.reference,
                func.coalesce(func.nullif(fetched.c.label, ""), fetched.c.entry_label),
                fetched.c.partner,
                fetched.c.debit,
                fetched.c.credit,
                opening_net + fetched.c.running,
                fetched.c.lettering,
                literal(1),
                fetched.c.entry_id,
                fetched.c.id,
            )
            .join(acc, acc.id == fetched.c.account_id)
            .join(opening, opening.c.code == acc.code)
        )
    every = rows.subquery()
    return select(
        every.c.code,
        every.c.account_label,
        every.c.day,
        every.c.journal,
        every.c.number,
        every.c.reference,
        every.c.label,
        every.c.partner,
        every.c.debit,
        every.c.credit,
        every.c.balance,
        every.c.lettering,
    ).order_by(every.c.code, every.c.rank, every.c.day, every.c.entry_id, every.c.line_id)


@dataclass(frozen=True)
class JournalMonth:
    """A row of the centralisateur: one journal's totals for one month."""

    journal: str
    journal_label: str
    month: dt.date
    debit: int
    credit: int


def centralising_journal(
    session: Session, company_id: int, fy: models.FiscalYear, journal: str | None = None
) -> list[JournalMonth]:
    """Totals per journal and month of an exercice, from the balance table."""
    bal, per, jrn = models.AccountBalance, models.Period, models.Journal
    query = (
        select(jrn.code, jrn.label, per.start_date, func.sum(bal.debit), func.sum(bal.credit))
        .join(per, per.id == bal.period_id)
        .join(jrn, jrn.id == bal.journal_id)
        .where(bal.company_id == company_id, bal.fiscal_year_id == fy.id)
        .group_by(jrn.code, jrn.label, per.start_date)
        .order_by(jrn.code, per.start_date)
    )
    if journal:
        query = query.where(jrn.code == journal.upper())
    return [JournalMonth(c, lbl, m, int(d or 0), int(cr or 0)) for c, lbl, m, d, cr in session.execute(query)]


def period(fy: models.FiscalYear, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The dates a report covers: ``start`` and ``end``, else the exercice's; refused when they
    are reversed or leave the exercice."""
    start = start or fy.start_date
    end = end or fy.end_date
    if start > end:
        raise InvalidInput("La date de début suit la date de fin.", field="du")
    if start < fy.start_date or end > fy.end_date:
        raise InvalidInput(
            f"La période demandée sort de l'exercice {fy.code} "
            f"({fy.start_date:%d/%m/%Y} – {fy.end_date:%d/%m/%Y}).",
            field="du" if start < fy.start_date else "au",
        )
    return start, end
