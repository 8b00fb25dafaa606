"""Declarative base with the Alembic naming convention, so constraint names are stable."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: 64-bit ids on PostgreSQL; SQLite's rowid alias must be declared INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CompanyOwned:
    """Marks the tables whose rows belong to one company (a ``company_id`` column).

    Once a session is given a company (``scope_to_company``), every ORM query it runs on
    these tables is limited to that company's rows, whatever the query itself says: a query
    that forgot its company filter returns nothing of another company's books.
    """


COMPANY_KEY = "wisebook.company_id"
