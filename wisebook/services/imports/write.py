"""Writing a checked plan, exactly as posting one by one would leave the books: numbered and
sealed through ``entries.sealing``, then COPY into staging tables checked as a whole on
PostgreSQL, or batched inserts elsewhere; the balance table updated last."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.chain import ChainLine
from wisebook.ledger.numbering import format_number
from wisebook.ledger.text import fold
from wisebook.services.books.companies import CompanyContext
from wisebook.services.entries import balances, sealing
from wisebook.services.imports.plan import Plan, Planned, Progress, grouped
from wisebook.services.tiers.register import kind_of_account

#: From this many lines imported, the tables' statistics are refreshed before commit.
ANALYZE_FROM = 10_000


@dataclass
class Chain:
    """The entries of one journal and fiscal year, numbered; the hash they chain from, and to."""

    journal_id: int
    fiscal_year_id: int
    entries: list[Planned]
    hash: str


def number(session: Session, entries: list[Planned]) -> list[Chain]:
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
        chains.append(Chain(journal_id, fiscal_year_id, items, previous))
    return chains


def seal(company: CompanyContext, chains: list[Chain]) -> Iterator[Planned]:
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
                lines=(ChainLine(ln[1], ln[2], ln[3], ln[4], ln[5], ln[6], ln[7]) for ln in entry.lines),
            )
            yield entry
        chain.hash = previous


def close_chains(session: Session, chains: list[Chain]) -> None:
    """Record each chain's last hash on its counter row."""
    for chain in chains:
        sealing.close(session, chain.journal_id, chain.fiscal_year_id, chain.hash)


def add_partners(session: Session, company_id: int, plan: Plan) -> int:
    """Register the tiers the file named and the import was asked to create — those of the
    entries written — under the name the file gives (else their code: to complete in the
    register) on the account of its first row, of the kind that account keeps. The count
    registered."""
    used = {ln[5] for entry in plan.entries for ln in entry.lines if ln[5] is not None}
    wanted = sorted(code for code in plan.new_partners if code in used)
    if not wanted:
        return 0
    country = session.scalar(select(models.Company.country).where(models.Company.id == company_id))
    now = dt.datetime.now(dt.UTC)
    session.execute(
        insert(models.Partner),
        [
            {
                "company_id": company_id,
                "code": code,
                "name": plan.new_partners[code][2],
                "kind": kind_of_account(plan.new_partners[code][1]),
                "account_id": plan.new_partners[code][0],
                "country": country,
                "bank_accounts": [],
                "payment_days": 0,
                "archived": False,
                "search": fold(f"{code} {plan.new_partners[code][2]}"),
                "created_at": now,
            }
            for code in wanted
        ],
    )
    return len(wanted)


def add_balances(session: Session, company_id: int, entries: Sequence[Planned]) -> None:
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
    lettrable = set(
        session.scalars(
            select(models.Account.id).where(models.Account.company_id == company_id, models.Account.lettrable)
        )
    )
    months: dict[tuple[int, int], list[tuple[int, str | None, int, int, bool]]] = defaultdict(list)
    for entry in entries:
        assert entry.period is not None
        months[(entry.period.fiscal_year_id, entry.period.period_id)].extend(
            (ln[0], ln[5], ln[3], ln[4], ln[0] in lettrable) for ln in entry.lines
        )
    for (fiscal_year_id, period_id), lines in sorted(months.items()):
        balances.add_to_partner_balances(session, company_id, fiscal_year_id, period_id, lines)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str | None) -> str:
    return "\\N" if value is None else value.translate(_COPY_ESCAPES)


def _copy_int(value: int | None) -> str:
    return "\\N" if value is None else str(value)


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


def write_postgresql(
    session: Session,
    company: CompanyContext,
    chains: list[Chain],
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
                        f"écritures : {grouped(len(written))} sur {grouped(count)}",
                    )
        yield "".join(batch)

    def line_rows() -> Iterator[str]:
        done = 0
        for entry_id, e in written:
            day = e.day.isoformat()
            yield "".join(
                f"{entry_id}\t{line_no}\t{account_id}\t{_copy_text(label)}\t{debit}\t{credit}\t"
                f"{_copy_text(partner)}\t{day}\t{_copy_text(tax)}\t{_copy_int(base)}\n"
                for line_no, (account_id, _code, label, debit, credit, partner, tax, base) in enumerate(
                    e.lines, start=1
                )
            )
            before, done = done, done + len(e.lines)
            if done // 50_000 != before // 50_000:
                progress(55 + 35 * done // total, 100, f"lignes : {grouped(done)} sur {grouped(total)}")

    progress(47, 100, f"écriture de {grouped(count)} écritures")
    cursor.copy_expert(
        "COPY entries (id, company_id, journal_id, fiscal_year_id, period_id, entry_date, label, reference,"
        " status, sequence, number, hash, total, created_by_id, created_at, posted_by_id, posted_at) FROM STDIN",
        _TextStream(entry_rows()),
        size=1 << 16,
    )
    cursor.copy_expert(
        "COPY lines (entry_id, line_no, account_id, label, debit, credit, partner, entry_date, tax_code, tax_base)"
        " FROM STDIN",
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


def write_generic(
    session: Session,
    company: CompanyContext,
    chains: list[Chain],
    user_id: int | None,
    now: dt.datetime,
    progress: Progress,
) -> None:
    """SQLite: the write lock is held (the import row is written), so ids follow the largest."""
    entries = list(seal(company, chains))
    first = (session.scalar(select(func.max(models.Entry.id))) or 0) + 1
    progress(50, 100, f"écriture de {grouped(len(entries))} écritures")
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
                "tax_code": ln[6],
                "tax_base": ln[7],
            }
            for index, e in enumerate(entries)
            for line_no, ln in enumerate(e.lines, start=1)
        ],
    )
