"""Reading the audit log: newest first, keyset-paginated, one company's only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput

MAX_PAGE = 500


def list_entries(
    session: Session, company_id: int, limit: int, before: int | None = None, user_id: int | None = None
) -> tuple[list[tuple[models.AuditEntry, str | None]], int | None]:
    """A page of the company's audit entries with each one's user email, and the next cursor."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"La limite va de 1 à {MAX_PAGE}.", field="limite")
    entry, user = models.AuditEntry, models.User
    query = (
        select(entry, user.email)
        .outerjoin(user, user.id == entry.user_id)
        .where(entry.company_id == company_id)
        .order_by(entry.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(entry.id < before)
    if user_id is not None:
        query = query.where(entry.user_id == user_id)
    rows = [(row[0], row[1]) for row in session.execute(query)]
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1][0].id
    return rows, None
