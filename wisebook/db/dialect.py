"""What differs between PostgreSQL and SQLite in our statements, chosen in one place: the
INSERT … ON CONFLICT construct (both dialects have one, under different modules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


def _name(where: Session | Connection) -> str:
    bind = where.get_bind() if isinstance(where, Session) else where
    return bind.dialect.name


def is_postgresql(where: Session | Connection) -> bool:
    """Whether ``where`` is connected to PostgreSQL (else SQLite)."""
    return _name(where) == "postgresql"


def insert(where: Session | Connection, table: Any) -> Any:
    """``INSERT`` into ``table`` with ``on_conflict_do_nothing`` / ``on_conflict_do_update``
    available, for the database ``where`` is connected to."""
    return (postgresql.insert if _name(where) == "postgresql" else sqlite.insert)(table)


def insert_ignore(where: Session | Connection, table: Any, **values: Any) -> None:
    """Insert one row unless it exists already (the same key)."""
    where.execute(insert(where, table).values(**values).on_conflict_do_nothing())
