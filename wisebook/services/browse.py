"""Reading entries: keyset-paginated lists with filters."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..db import models
from ..ledger.errors import InvalidInput
from .posting import ENTRY_GRAPH, EntryRecord, record

MAX_PAGE = 500


@dataclass(frozen=True)
class EntryFilter:
    """Filters of the entries list."""

    journal: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    account: str | None = None
    status: str | None = None


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
    if filters.account:
        query = query.where(
            ent.id.in_(
                select(models.Line.entry_id)
                .join(models.Account, models.Account.id == models.Line.account_id)
                .where(
                    models.Account.company_id == company_id, models.Account.code.startswith(filters.account)
                )
            )
        )
    if after:
        day, last_id = decode_cursor(after)
        query = query.where(or_(ent.entry_date > day, and_(ent.entry_date == day, ent.id > last_id)))
    rows = list(session.scalars(query.order_by(ent.entry_date, ent.id).limit(limit + 1)))
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = encode_cursor(rows[-1].entry_date, rows[-1].id)
    return [record(e) for e in rows], following
