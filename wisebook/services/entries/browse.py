"""Reading entries: keyset-paginated lists with filters."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput
from wisebook.services.entries.posting import ENTRY_GRAPH, EntryRecord, record

MAX_PAGE = 500


@dataclass(frozen=True)
class EntryFilter:
    """Filters of the entries list."""

    journal: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    account: str | None = None
    status: str | None = None
    #: Words of the label, or the pièce or number (case ignored).
    text: str | None = None
    #: An amount in minor units: the entry's total or any of its lines' debit or credit.
    amount: int | None = None


def encode_cursor(day: dt.date, entry_id: int) -> str:
    """An opaque cursor pointing after (date, id)."""
    return base64.urlsafe_b64encode(f"{day.isoformat()}|{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.date, int]:
    """The (date, id) a cursor points after; a bad cursor is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day, entry_id = raw.split("|")
        return dt.date.fromisoformat(day), int(entry_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("Curseur de pagination invalide.", field="apres") from None


def _entry_ids_by_account(
    session: Session,
    company_id: int,
    filters: EntryFilter,
    limit: int,
    position: tuple[dt.date, int] | None,
) -> list[int]:
    """The first ``limit`` entries (in date order, after ``position``) with a line on an account
    starting with ``filters.account``, read from the lines' index (account, date, entry): each
    matching account gives at most ``limit`` entries, so a page never gathers all of 4111's
    lines (DISTINCT per account: an entry may have several lines on it)."""
    line, ent = models.Line, models.Entry
    accounts = select(models.Account.id).where(
        models.Account.company_id == company_id, models.Account.code.startswith(filters.account)
    )
    conditions = []
    if position:
        day, last_id = position
        conditions.append(or_(line.entry_date > day, and_(line.entry_date == day, line.entry_id > last_id)))
    if filters.start:
        conditions.append(line.entry_date >= filters.start)
    if filters.end:
        conditions.append(line.entry_date <= filters.end)

    def first(*where: Any) -> Any:
        """Entries (date, id) with a line meeting ``where``, each once, in date order."""
        query = select(line.entry_date, line.entry_id)
        if filters.journal or filters.status:
            query = query.join(ent, ent.id == line.entry_id)
        if filters.journal:
            query = query.join(models.Journal, models.Journal.id == ent.journal_id).where(
                models.Journal.code == filters.journal.upper()
            )
        if filters.status:
            query = query.where(ent.status == filters.status)
        return (
            query.where(*where, *conditions).distinct().order_by(line.entry_date, line.entry_id).limit(limit)
        )

    if session.get_bind().dialect.name != "postgresql":  # the embedded profile's books are small
        rows = session.execute(first(line.account_id.in_(accounts)))
        return [entry_id for _day, entry_id in rows]
    account = accounts.subquery("matching")
    per_account = first(line.account_id == account.c.id).lateral("first_lines")
    merged = (
        select(per_account.c.entry_date, per_account.c.entry_id)
        .select_from(account)
        .join(per_account, true())
        .distinct()
        .order_by(per_account.c.entry_date, per_account.c.entry_id)
        .limit(limit)
    )
    return [entry_id for _day, entry_id in session.execute(merged)]


def list_entries(
    session: Session, company_id: int, filters: EntryFilter, limit: int, after: str | None
) -> tuple[list[EntryRecord], str | None]:
    """A page of entries in date order, and the cursor of the next page (or None)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"La limite va de 1 à {MAX_PAGE}.", field="limite")
    ent = models.Entry
    query = select(ent).options(*ENTRY_GRAPH).where(ent.company_id == company_id)
    if filters.journal:
        query = query.join(models.Journal, models.Journal.id == ent.journal_id).where(
            models.Journal.code == filters.journal.upper()
        )
    if filters.start:
        query = query.where(ent.entry_date >= filters.start)
    if filters.end:
        query = query.where(ent.entry_date <= filters.end)
    if filters.status:
        if filters.status not in (models.DRAFT, models.POSTED):
            raise InvalidInput("Statut inconnu (brouillon ou validee).", field="statut")
        query = query.where(ent.status == filters.status)
    if filters.text:
        words = filters.text.strip()[:100]
        if words:
            pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                or_(
                    ent.label.ilike(pattern, escape="\\"),
                    ent.reference.ilike(pattern, escape="\\"),
                    ent.number.ilike(pattern, escape="\\"),
                )
            )
    if filters.amount is not None:  # from the indexes of the lines' amounts and the entries' totals
        line = models.Line
        by_line = select(line.entry_id).where((line.debit + line.credit) == filters.amount)
        by_total = select(ent.id).where(ent.company_id == company_id, ent.total == filters.amount)
        query = query.where(ent.id.in_(by_line.union(by_total)))
    position = decode_cursor(after) if after else None
    if position:
        day, last_id = position
        query = query.where(or_(ent.entry_date > day, and_(ent.entry_date == day, ent.id > last_id)))
    if filters.account:
        found = _entry_ids_by_account(session, company_id, filters, limit + 1, position)
        query = query.where(ent.id.in_(found))
    rows = list(session.scalars(query.order_by(ent.entry_date, ent.id).limit(limit + 1)))
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = encode_cursor(rows[-1].entry_date, rows[-1].id)
    return [record(e) for e in rows], following
