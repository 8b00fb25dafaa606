"""Bulk import of posted entries from a CSV or XLSX file (WiseBook or FEC layout).

The whole file is read and checked before anything is written: every refused row is
reported with its line number and its reasons. Then, in one transaction, the entries are
numbered in date order after the last number of their journal, sealed in its hash chain,
written and added to the balances, exactly as posting one by one would leave the books; the
import is recorded under the file's SHA-256, so the same file sent twice lands once.

Mode ``tout`` (the default) writes nothing when any row is refused; mode ``valides`` writes the
entries whose rows are all valid and says which were left out. On PostgreSQL the rows go
through COPY into staging tables, are checked there as a whole (balance, accounts, periods,
journals of the company) and then inserted with one statement per table; when the role may
set ``session_replication_role`` the per-row guard triggers are paused for those statements,
which the set checks replace inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import io
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from wisebook.db import dialect, models
from wisebook.ledger.chain import ChainLine
from wisebook.ledger.entries import account_fault, amount_fault, balance_fault, line_count_fault, period_fault
from wisebook.ledger.errors import Conflict, InvalidInput
from wisebook.ledger.money import exponent, from_minor, minor_from_text
from wisebook.ledger.numbering import format_number
from wisebook.ledger.periods import Period
from wisebook.ledger.text import is_digits
from wisebook.services.books import CompanyContext
from wisebook.services.entries import balances, sealing
from wisebook.services.imports.read import FEC, Source, open_source, rows
from wisebook.services.platform import files
from wisebook.settings import Settings

MODES = ("tout", "valides")
#: Rejections listed in a report; beyond, only counted (a file of garbage is not a report).
MAX_REPORTED = 10_000
PROGRESS_ROWS = 50_000
#: From this many lines imported, the tables' statistics are refreshed before commit.
ANALYZE_FROM = 10_000

#: progress(done, total, message): the task's way to show where it is (percent here).
Progress = Callable[[int, int | None, str | None], None]


def _quiet(done: int, total: int | None = None, message: str | None = None) -> None:
    return None


def _count(n: int) -> str:
    """A count as French readers group it: ``1 000 000`` (narrow no-break spaces)."""
    return f"{n:,}".replace(",", "\u202f")


@dataclass
class Rejection:
    """A refused row (or entry): where it is in the file and why."""

    line: int
    entry: str
    reasons: list[str]
    lines: list[int] | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"ligne": self.line, "ecriture": self.entry, "motifs": self.reasons}
        if self.lines is not None:
            found["lignes"] = self.lines
        return found


@dataclass(frozen=True)
class PeriodRef:
    period_id: int
    fiscal_year_id: int
    fiscal_year: str


@dataclass
class Planned:
    """One entry of the file, as it will be written."""

    key: str
    first_line: int
    journal_id: int
    journal: str
    day: dt.date
    reference: str | None
    label: str
    period: PeriodRef | None
    lines: list[tuple[int, str, str, int, int, str | None]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    bad: bool = False
    sequence: int = 0
    number: str = ""
    hash: str = ""


@dataclass
class Plan:
    """What the check of a file found: the entries to write and the rows refused."""

    source: Source
    rows: int = 0
    entries: list[Planned] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    refused_entries: int = 0
    refused_rows: int = 0

    @property
    def lines(self) -> int:
        return sum(len(e.lines) for e in self.entries)


class _Books:
    """The company's journals, accounts and periods, loaded once; lookups cached."""

    def __init__(self, session: Session, company_id: int, *, share: bool = True):
        jnl, acc, per, fy = models.Journal, models.Account, models.Period, models.FiscalYear
        self.journals = {
            r.code: (r.id, r.code)
            for r in session.execute(select(jnl.id, jnl.code).where(jnl.company_id == company_id))
        }
        self._accounts = {
            r.code: (r.id, r.code, r.postable)
            for r in session.execute(
                select(acc.id, acc.code, acc.postable).where(acc.company_id == company_id)
            )
        }
        # FOR SHARE (when writing): locking a period or closing a year waits until the import
        # is written.
        periods = (
            select(per.id, per.start_date, per.end_date, per.locked, fy.id.label("fy_id"), fy.code, fy.status)
            .join(fy, fy.id == per.fiscal_year_id)
            .where(fy.company_id == company_id)
            .order_by(per.start_date)
        )
        found = session.execute(periods.with_for_update(read=True) if share else periods).all()
        self._starts = [p.start_date for p in found]
        self._periods = found
        self._account_cache: dict[str, tuple[int, str] | str] = {}
        self._day_cache: dict[dt.date, PeriodRef | str] = {}

    @property
    def state(self) -> tuple[Any, ...]:
        """What a check of a file depends on: equal states, equal verdicts on every row."""
        return (
            tuple(sorted(self.journals.items())),
            tuple(sorted(self._accounts.items())),
            tuple(tuple(p) for p in self._periods),
        )

    def account(self, code: str) -> tuple[int, str] | str:
        """(id, code) of a postable account, or the reason it cannot be used. A code padded with
        zeros, as other tools export them (``41110000``), finds the account it pads (``4111``)."""
        cached = self._account_cache.get(code)
        if cached is not None:
            return cached
        probe = code
        found = self._accounts.get(probe)
        while found is None and len(probe) > 2 and probe.endswith("0"):
            probe = probe[:-1]
            found = self._accounts.get(probe)
        result: tuple[int, str] | str
        if found is None:
            result = str(account_fault(code, None))
        else:
            fault = account_fault(found[1], found[2])
            result = fault if fault is not None else (found[0], found[1])
        self._account_cache[code] = result
        return result

    def period(self, day: dt.date) -> PeriodRef | str:
        """The open period of ``day``, or the reason it takes no entry."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        index = bisect_right(self._starts, day) - 1
        result: PeriodRef | str
        if index < 0 or self._periods[index].end_date < day:
            result = str(period_fault(day, None, False, None))
        else:
            p = self._periods[index]
            month = Period(0, p.start_date, p.end_date, p.locked)
            fault = period_fault(day, month, p.status == "ouvert", p.code)
            result = fault if fault is not None else PeriodRef(p.id, p.fy_id, p.code)
        self._day_cache[day] = result
        return result


_DAYS: dict[str, dt.date | str] = {}


def _day(value: Any) -> dt.date:
    """A date from a cell: a date, or text as JJ/MM/AAAA, AAAA-MM-JJ or AAAAMMJJ (FEC)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    known = _DAYS.get(text)
    if isinstance(known, dt.date):
        return known
    try:
        if len(text) == 8 and is_digits(text):
            day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        elif len(text) >= 10 and text[4] == "-" and text[7] == "-":
            day = dt.date.fromisoformat(text[:10])
        elif len(text) == 10 and text[2] in "/.-" and text[5] == text[2]:
            day = dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"date invalide « {text} » (JJ/MM/AAAA attendu)") from None
    if len(_DAYS) < 10_000:
        _DAYS[text] = day
    return day


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # float-ok: an XLSX cell holding a code
        return str(int(value))
    return str(value).strip()


def _amount(value: Any, places: int) -> int:
    """Minor units from a cell: text as files write amounts, or an XLSX number."""
    if isinstance(value, str):
        return minor_from_text(value, places)
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(f"montant invalide « {value} »")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"montant négatif « {value} » : portez-le dans l'autre colonne")
        return value * int(10**places)
    # An XLSX number cell (a binary float): its shortest decimal form, checked like text.
    return minor_from_text(repr(value) if isinstance(value, float) else str(value), places)  # float-ok


def check(source: Source, books: _Books, currency: str, progress: Progress = _quiet) -> Plan:
    """Read every row of ``source`` and check it against the books: the plan of the import."""
    places = exponent(currency)
    plan = Plan(source)
    fec = source.layout is FEC
    agree = source.layout.entry_fields
    entries: dict[str, Planned] = {}
    estimate = _estimated_rows(source)
    journals, account_of, period_of = books.journals, books.account, books.period
    # A CSV gives text only: the plain string methods, and caches keyed by the cell's text.
    csv_text = source.format == "csv"
    text = str.strip if csv_text else _text
    scale = int(10**places)
    check_date = "date" in agree
    check_header = "libelle" in agree  # the WiseBook layout: piece and label agree too
    days: dict[Any, tuple[dt.date | None, PeriodRef | None, str | None]] = {}
    accounts: dict[str, tuple[int, str] | str] = {}

    def amount(raw: Any) -> int:
        if raw.__class__ is str and is_digits(raw):
            return int(raw) * scale
        return minor_from_text(raw, places) if raw.__class__ is str else _amount(raw, places)

    def dated(raw: Any) -> tuple[dt.date | None, PeriodRef | None, str | None]:
        try:
            day = _day(raw)
        except ValueError as exc:
            return None, None, str(exc)
        found = period_of(day)
        return (day, None, found) if isinstance(found, str) else (day, found, None)

    for number, fields in rows(source):
        plan.rows += 1
        if plan.rows % PROGRESS_ROWS == 0:
            progress(
                min(45, 45 * plan.rows // estimate), 100, f"lecture et contrôle : {_count(plan.rows)} lignes"
            )
        key_raw, journal_raw, day_raw, piece_raw, label_raw, account_raw, line_label, debit_raw, credit_raw, partner_raw = fields  # fmt: skip
        reasons: list[str] = []
        key, code = text(key_raw), text(journal_raw).upper()
        if not key:
            reasons.append("numéro d'écriture manquant")
        if fec:
            key = f"{code}/{key}"
        journal = journals.get(code)
        if journal is None:
            reasons.append(f"journal inconnu : {code}" if code else "journal manquant")
        dating = days.get(day_raw) if csv_text else None
        if dating is None:
            dating = dated(day_raw)
            if csv_text and len(days) < 100_000:
                days[day_raw] = dating
        day, period, wrong_day = dating
        if wrong_day is not None:
            reasons.append(wrong_day)
        label = text(label_raw)[:255]
        if not label:
            reasons.append("libellé manquant")
        piece = text(piece_raw) or None
        if piece is not None and len(piece) > 100:
            reasons.append("référence de pièce trop longue (100 caractères au plus)")
        account_code = text(account_raw)
        account = accounts.get(account_code)
        if account is None:
            account = accounts[account_code] = account_of(account_code)
        if isinstance(account, str):
            reasons.append(account)
            account = (0, "")
        try:
            debit = amount(debit_raw)
            credit = amount(credit_raw)
        except ValueError as exc:
            reasons.append(str(exc))
            debit = credit = 0
        else:
            fault = amount_fault(debit, credit)
            if fault is not None:
                reasons.append(fault)
        partner = text(partner_raw) or None
        if partner is not None and len(partner) > 100:
            reasons.append("code tiers trop long (100 caractères au plus)")
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = Planned(
                key=key,
                first_line=number,
                journal_id=journal[0] if journal else 0,
                journal=code,
                day=day or dt.date.min,
                reference=piece,
                label=label,
                period=period,
            )
        else:
            differ = []
            if entry.journal != code:
                differ.append("journal")
            if check_date and day is not None and entry.day != day:
                differ.append("date")
            if check_header and entry.reference != piece:
                differ.append("piece")
            if check_header and entry.label != label:
                differ.append("libelle")
            if differ:
                reasons.extend(
                    f"{name} différent de la ligne {entry.first_line} de la même écriture" for name in differ
                )
        entry.rows.append(number)
        if reasons:
            entry.bad = True
            _reject(plan, Rejection(number, key, reasons))
        elif not entry.bad:
            line_text = text(line_label)[:255] if line_label is not None else ""
            entry.lines.append((account[0], account[1], line_text or label, debit, credit, partner))
    if plan.rows == 0:
        raise InvalidInput(
            "Le fichier ne contient aucune ligne d'écriture sous son en-tête.", field="fichier"
        )
    for entry in entries.values():
        if not entry.bad:
            debit = sum(ln[3] for ln in entry.lines)
            credit = sum(ln[4] for ln in entry.lines)
            few = line_count_fault(len(entry.lines))
            if few is not None:
                entry.bad = True
                _reject(plan, Rejection(entry.first_line, entry.key, [few]))
            elif debit != credit:
                entry.bad = True
                fault = balance_fault(from_minor(debit, currency), from_minor(credit, currency))
                _reject(plan, Rejection(entry.first_line, entry.key, [str(fault)], lines=entry.rows))
        if entry.bad:
            plan.refused_entries += 1
            plan.refused_rows += len(entry.rows)
            entry.lines = []
        else:
            plan.entries.append(entry)
    progress(45, 100, f"{_count(plan.rows)} lignes lues et contrôlées")
    return plan


def _reject(plan: Plan, rejection: Rejection) -> None:
    plan.rejections.append(rejection)


def _estimated_rows(source: Source) -> int:
    size = source.path.stat().st_size
    with source.path.open("rb") as handle:
        head = handle.read(256 * 1024)
    per_row = max(1, len(head) // max(1, head.count(b"\n")))
    return max(1, size // (per_row if source.format == "csv" else 40))


# --- writing ----------------------------------------------------------------------------------


@dataclass
class _Chain:
    """The entries of one journal and fiscal year, numbered; the hash they chain from, and to."""

    journal_id: int
    fiscal_year_id: int
    entries: list[Planned]
    hash: str


def number(session: Session, entries: list[Planned]) -> list[_Chain]:
    """Give each entry its number after its journal's last one, in date order; the counter rows
    stay locked until commit, as posting leaves them."""
    groups: dict[tuple[int, int], list[Planned]] = defaultdict(list)
    for entry in entries:
        assert entry.period is not None
        groups[(entry.journal_id, entry.period.fiscal_year_id)].append(entry)
    chains = []
    for (journal_id, fiscal_year_id), items in sorted(groups.items()):
        items.sort(key=lambda e: (e.day, e.first_line))
        last, previous = sealing.reserve(session, journal_id, fiscal_year_id, len(items))
        fiscal_year = items[0].period.fiscal_year  # type: ignore[union-attr]
        for offset, entry in enumerate(items):
            entry.sequence = last - len(items) + 1 + offset
            entry.number = format_number(entry.journal, fiscal_year, entry.sequence)
        chains.append(_Chain(journal_id, fiscal_year_id, items, previous))
    return chains


def seal(company: CompanyContext, chains: list[_Chain]) -> Iterator[Planned]:
    """Each entry sealed in its journal's chain, one after the other, as they are written; each
    chain's hash then is its last entry's."""
    for chain in chains:
        previous = chain.hash
        for entry in chain.entries:
            entry.hash = previous = sealing.seal(
                previous,
                company_id=company.id,
                currency=company.currency,
                journal=entry.journal,
                number=entry.number,
                day=entry.day,
                label=entry.label,
                reference=entry.reference,
                lines=(ChainLine(ln[1], ln[2], ln[3], ln[4], ln[5]) for ln in entry.lines),
            )
            yield entry
        chain.hash = previous


def close_chains(session: Session, chains: list[_Chain]) -> None:
    """Record each chain's last hash on its counter row."""
    for chain in chains:
        sealing.close(session, chain.journal_id, chain.fiscal_year_id, chain.hash)


def _balances(session: Session, company_id: int, entries: Iterable[Planned]) -> None:
    moves: dict[tuple[int, int, int], dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for entry in entries:
        assert entry.period is not None
        group = moves[(entry.period.fiscal_year_id, entry.period.period_id, entry.journal_id)]
        for ln in entry.lines:
            amounts = group[ln[0]]
            amounts[0] += ln[3]
            amounts[1] += ln[4]
    for (fiscal_year_id, period_id, journal_id), movements in sorted(moves.items()):
        balances.add_to_balances(session, company_id, fiscal_year_id, period_id, journal_id, movements)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str | None) -> str:
    return "\\N" if value is None else value.translate(_COPY_ESCAPES)


def _may_pause_row_checks(cursor: Any) -> bool:
    """Whether this role may set ``session_replication_role`` (superuser, or granted SET on it
    since PostgreSQL 15)."""
    cursor.execute("SELECT current_setting('server_version_num')::int")
    if cursor.fetchone()[0] >= 150000:
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
    else:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(cursor.fetchone()[0])


class _TextStream:
    """A file for COPY FROM that reads from generated text: Python makes the next rows while
    the server inserts the last ones (two processes, two processors)."""

    def __init__(self, chunks: Iterator[str]):
        self._chunks = chunks
        self._buffer = ""

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            found, self._buffer = self._buffer, ""
        else:
            found, self._buffer = self._buffer[:size], self._buffer[size:]
        return found


def _write_postgresql(
    session: Session,
    company: CompanyContext,
    chains: list[_Chain],
    user_id: int | None,
    now: dt.datetime,
    progress: Progress,
    pause_row_checks: bool | None,
) -> None:
    """COPY the entries and their lines into their tables, then check what was written as sets.

    COPY batches its rows (an INSERT … SELECT from a staging table inserts them one by one and
    cost twice as much, measured); the rows are made while the server inserts. Nothing is
    visible to anyone before the commit, and the set checks run before it: the transaction is
    the staging area."""
    cursor = session.connection().connection.cursor()
    count = sum(len(c.entries) for c in chains)
    total = sum(len(e.lines) for c in chains for e in c.entries)
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence('entries', 'id')) FROM generate_series(1, %s)", (count,)
    )
    ids = [r[0] for r in cursor.fetchall()]
    cursor.execute("CREATE TEMP TABLE import_ids (id bigint PRIMARY KEY) ON COMMIT DROP")
    cursor.copy_expert("COPY import_ids FROM STDIN", io.StringIO("".join(f"{i}\n" for i in ids)))
    fast = _may_pause_row_checks(cursor) if pause_row_checks is None else pause_row_checks
    if fast:  # the per-row guards and foreign keys: checked below as sets instead
        cursor.execute("SET LOCAL session_replication_role = replica")
    status = models.POSTED if fast else models.DRAFT
    user = "\\N" if user_id is None else str(user_id)
    stamp = now.isoformat()
    written: list[tuple[int, Planned]] = []

    def entry_rows() -> Iterator[str]:
        batch = []
        for entry_id, e in zip(ids, seal(company, chains), strict=True):
            assert e.period is not None
            written.append((entry_id, e))
            batch.append(
                f"{entry_id}\t{company.id}\t{e.journal_id}\t{e.period.fiscal_year_id}\t{e.period.period_id}\t"
                f"{e.day.isoformat()}\t{_copy_text(e.label)}\t{_copy_text(e.reference)}\t{status}\t"
                f"{e.sequence}\t{e.number}\t{e.hash}\t{sum(ln[3] for ln in e.lines)}\t"
                f"{user}\t{stamp}\t{user}\t{stamp}\n"
            )
            if len(batch) == 1000:
                yield "".join(batch)
                batch = []
                if len(written) % 50_000 == 0:
                    progress(
                        47 + 8 * len(written) // count,
                        100,
                        f"écritures : {_count(len(written))} sur {_count(count)}",
                    )
        yield "".join(batch)

    def line_rows() -> Iterator[str]:
        done = 0
        for entry_id, e in written:
            day = e.day.isoformat()
            yield "".join(
                f"{entry_id}\t{line_no}\t{account_id}\t{_copy_text(label)}\t{debit}\t{credit}\t"
                f"{_copy_text(partner)}\t{day}\n"
                for line_no, (account_id, _code, label, debit, credit, partner) in enumerate(e.lines, start=1)
            )
            before, done = done, done + len(e.lines)
            if done // 50_000 != before // 50_000:
                progress(55 + 35 * done // total, 100, f"lignes : {_count(done)} sur {_count(total)}")

    progress(47, 100, f"écriture de {_count(count)} écritures")
    cursor.copy_expert(
        "COPY entries (id, company_id, journal_id, fiscal_year_id, period_id, entry_date, label, reference,"
        " status, sequence, number, hash, total, created_by_id, created_at, posted_by_id, posted_at) FROM STDIN",
        _TextStream(entry_rows()),
        size=1 << 16,
    )
    cursor.copy_expert(
        "COPY lines (entry_id, line_no, account_id, label, debit, credit, partner, entry_date) FROM STDIN",
        _TextStream(line_rows()),
        size=1 << 16,
    )
    if fast:
        cursor.execute("SET LOCAL session_replication_role = origin")
    else:
        cursor.execute(
            "UPDATE entries SET status = %s WHERE id IN (SELECT id FROM import_ids)", (models.POSTED,)
        )
    progress(90, 100, "contrôle d'ensemble des écritures écrites")
    _check_written(cursor, company.id)
    if total >= ANALYZE_FROM:
        # Fresh statistics with the rows, in the same transaction: the first reports and checks
        # after a large import are planned for the tables as they now are.
        cursor.execute("ANALYZE entries, lines")


def _check_written(cursor: Any, company_id: int) -> None:
    """What the row triggers and foreign keys check, checked on the written rows as sets: any
    finding is a fault of the import's own checks, and the transaction is abandoned."""
    mine = "JOIN import_ids i ON i.id = l.entry_id"
    checks = {
        "écritures déséquilibrées ou de moins de deux lignes": (
            "SELECT count(*) FROM import_ids i LEFT JOIN LATERAL (SELECT count(*) AS n, sum(debit) AS d,"
            " sum(credit) AS c FROM lines l WHERE l.entry_id = i.id) t ON true WHERE t.n < 2 OR t.d <> t.c"
        ),
        "lignes sur un compte absent, d'une autre société ou de regroupement": (
            f"SELECT count(*) FROM lines l {mine} LEFT JOIN accounts a ON a.id = l.account_id"
            " AND a.company_id = %(company)s AND a.postable WHERE a.id IS NULL"
        ),
        "écritures hors d'une période ouverte de la société, ou d'un journal d'une autre": (
            "SELECT count(*) FROM entries e JOIN import_ids i ON i.id = e.id"
            " LEFT JOIN periods p ON p.id = e.period_id AND e.entry_date BETWEEN p.start_date AND p.end_date"
            " AND NOT p.locked LEFT JOIN fiscal_years f ON f.id = p.fiscal_year_id AND f.id = e.fiscal_year_id"
            " AND f.company_id = %(company)s AND f.status = 'ouvert'"
            " LEFT JOIN journals j ON j.id = e.journal_id AND j.company_id = %(company)s"
            " WHERE f.id IS NULL OR j.id IS NULL OR e.company_id <> %(company)s"
        ),
    }
    for what, sql in checks.items():
        cursor.execute(sql, {"company": company_id})
        found = cursor.fetchone()[0]
        if found:
            raise RuntimeError(f"contrôle d'ensemble de l'import en défaut : {found} {what}")


def _write_generic(
    session: Session,
    company: CompanyContext,
    chains: list[_Chain],
    user_id: int | None,
    now: dt.datetime,
    progress: Progress,
) -> None:
    """SQLite: the write lock is held (the import row is written), so ids follow the largest."""
    entries = list(seal(company, chains))
    first = (session.scalar(select(func.max(models.Entry.id))) or 0) + 1
    progress(50, 100, f"écriture de {_count(len(entries))} écritures")
    connection = session.connection()
    connection.execute(
        insert(models.Entry),
        [
            {
                "id": first + index,
                "company_id": company.id,
                "journal_id": e.journal_id,
                "fiscal_year_id": e.period.fiscal_year_id,  # type: ignore[union-attr]
                "period_id": e.period.period_id,  # type: ignore[union-attr]
                "entry_date": e.day,
                "label": e.label,
                "reference": e.reference,
                "status": models.POSTED,
                "sequence": e.sequence,
                "number": e.number,
                "hash": e.hash,
                "total": sum(ln[3] for ln in e.lines),
                "created_by_id": user_id,
                "created_at": now,
                "posted_by_id": user_id,
                "posted_at": now,
            }
            for index, e in enumerate(entries)
        ],
    )
    progress(60, 100, "écriture des lignes")
    connection.execute(
        insert(models.Line),
        [
            {
                "entry_id": first + index,
                "line_no": line_no,
                "account_id": ln[0],
                "label": ln[2],
                "debit": ln[3],
                "credit": ln[4],
                "partner": ln[5],
                "entry_date": e.day,
            }
            for index, e in enumerate(entries)
            for line_no, ln in enumerate(e.lines, start=1)
        ],
    )


# --- the import -------------------------------------------------------------------------------


def find(session: Session, company_id: int, sha256: str) -> models.Import | None:
    """The import of this file into the company, if it was imported."""
    return session.scalars(
        select(models.Import).where(models.Import.company_id == company_id, models.Import.sha256 == sha256)
    ).one_or_none()


def already(found: models.Import) -> dict[str, Any]:
    return {
        "statut": "deja_importe",
        "import": found.id,
        "ecritures_importees": 0,
        "lignes_importees": 0,
        "message": (
            f"Ce fichier a déjà été importé le {found.created_at:%d/%m/%Y à %H:%M} "
            f"(import n° {found.id}, {_count(found.entries)} écritures) : rien n'a été écrit de nouveau."
        ),
    }


def _report(plan: Plan, mode: str, status: str, import_id: int | None, filename: str) -> dict[str, Any]:
    written = status in ("importe", "partiel")
    entries = len(plan.entries) if written else 0
    lines = plan.lines if written else 0
    if status == "importe":
        message = f"{_count(lines)} lignes importées en {_count(entries)} écritures."
    elif status == "partiel":
        message = (
            f"Import partiel : {_count(entries)} écritures importées ({_count(lines)} lignes) ; "
            f"{_count(plan.refused_entries)} écritures refusées ({_count(plan.refused_rows)} lignes), "
            "voir les rejets."
        )
    else:
        message = (
            f"Import refusé : {_count(len(plan.rejections))} rejet(s) sur {_count(plan.rows)} lignes ; "
            "rien n'a été écrit."
        )
    return {
        "statut": status,
        "import": import_id,
        "fichier": filename,
        "format": plan.source.format,
        "disposition": plan.source.layout.name,
        "mode": mode,
        "lignes_lues": plan.rows,
        "ecritures_importees": entries,
        "lignes_importees": lines,
        "ecritures_refusees": plan.refused_entries,
        "lignes_refusees": plan.refused_rows,
        "rejets_total": len(plan.rejections),
        "rejets": [r.as_json() for r in plan.rejections[:MAX_REPORTED]],
        "message": message,
    }


@dataclass
class Prepared:
    """A file read and checked before the write transaction, and the state of the books it was
    checked against (the write re-checks only when that state changed meanwhile)."""

    plan: Plan | None
    refusal: str | None  # why the file as a whole is not an import
    state: tuple[Any, ...]


def _prepare(books: _Books, company: CompanyContext, path: Path, progress: Progress) -> Prepared:
    progress(0, 100, "lecture du fichier")
    try:
        source = open_source(path)
        return Prepared(check(source, books, company.currency, progress), None, books.state)
    except InvalidInput as exc:  # the file as a whole is not an import: a report, not a failure
        return Prepared(None, exc.message, books.state)


def prepare(session: Session, company: CompanyContext, path: Path, progress: Progress = _quiet) -> Prepared:
    """Read and check the file at ``path`` in ``session``, a reading one: on SQLite the write
    lock is then not held while a large file is parsed, and other companies keep writing. The
    plan is handed to ``run``, which writes it in a short transaction of its own."""
    return _prepare(_Books(session, company.id, share=False), company, path, progress)


def run(
    session: Session,
    company: CompanyContext,
    path: Path,
    *,
    filename: str,
    sha256: str,
    mode: str = "tout",
    user_id: int | None = None,
    task_run_id: str | None = None,
    progress: Progress = _quiet,
    pause_row_checks: bool | None = None,
    prepared: Prepared | None = None,
) -> dict[str, Any]:
    """Import the file at ``path`` into the company's books in the session's transaction; the
    report says what was written, or why nothing was. With ``prepared`` (the file checked
    before this transaction), the books are reloaded and the plan is written as it is when they
    have not changed since; it is checked again here when they have."""
    if mode not in MODES:
        raise InvalidInput(f"Mode d'import inconnu : {mode} (tout ou valides).", field="mode")
    existing = find(session, company.id, sha256)
    if existing is not None:
        return already(existing)
    books = _Books(session, company.id)
    if prepared is None or prepared.state != books.state:
        prepared = _prepare(books, company, path, progress)
    plan = prepared.plan
    if plan is None:
        return {
            "statut": "refuse",
            "import": None,
            "fichier": filename,
            "mode": mode,
            "ecritures_importees": 0,
            "lignes_importees": 0,
            "rejets_total": 0,
            "rejets": [],
            "message": f"Import refusé : {prepared.refusal} Rien n'a été écrit.",
        }
    source = plan.source
    if plan.rejections and (mode == "tout" or not plan.entries):
        return _report(plan, mode, "refuse", None, filename)
    table = models.Import.__table__
    assert isinstance(table, Table)
    made = session.execute(
        dialect.insert(session, table)
        .values(
            company_id=company.id,
            sha256=sha256,
            filename=filename[:255],
            layout=source.layout.name,
            mode=mode,
            entries=len(plan.entries),
            lines=plan.lines,
            rejected=plan.refused_rows,
            task_run_id=task_run_id,
            created_by_id=user_id,
            created_at=dt.datetime.now(dt.UTC),
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    ).scalar_one_or_none()
    if made is None:  # the same file, imported meanwhile by another run
        found = find(session, company.id, sha256)
        assert found is not None
        return already(found)
    progress(46, 100, "numérotation des écritures")
    chains = number(session, plan.entries)
    now = dt.datetime.now(dt.UTC)
    if session.get_bind().dialect.name == "postgresql":
        _write_postgresql(session, company, chains, user_id, now, progress, pause_row_checks)
    else:
        _write_generic(session, company, chains, user_id, now, progress)
    close_chains(session, chains)
    progress(95, 100, "mise à jour des soldes")
    _balances(session, company.id, plan.entries)
    report = _report(plan, mode, "partiel" if plan.rejections else "importe", made, filename)
    progress(100, 100, report["message"])
    return report


# --- the uploaded file ------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file received for import, kept under the data dir until its task has run."""

    path: Path
    name: str
    sha256: str
    size: int
    source: Source


def upload_dir(settings: Settings, company_id: int) -> Path:
    return settings.data_dir / "imports" / str(company_id)


def receive(settings: Settings, company_id: int, filename: str, stream: IO[bytes]) -> Upload:
    """Store an uploaded file (0640, named by its SHA-256) and recognise its layout."""
    folder = upload_dir(settings, company_id)
    with files.received(stream, folder) as received:
        if received.size == 0:
            raise InvalidInput("Le fichier est vide.", field="fichier")
        source = open_source(received.path)
        target = files.keep(received, folder / f"{received.sha256}.{source.format}")
    name = Path(filename.replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())[:255] or f"import.{source.format}"
    return Upload(target, name, received.sha256, received.size, replace(source, path=target))


def refuse_if_imported(session: Session, company_id: int, sha256: str) -> None:
    """409 when this file was already imported into the company."""
    found = find(session, company_id, sha256)
    if found is not None:
        raise Conflict(already(found)["message"], field="fichier")


def listing(session: Session, company_id: int, limit: int = 100) -> list[models.Import]:
    """The company's imports, latest first."""
    return list(
        session.scalars(
            select(models.Import)
            .where(models.Import.company_id == company_id)
            .order_by(models.Import.id.desc())
            .limit(limit)
        )
    )
