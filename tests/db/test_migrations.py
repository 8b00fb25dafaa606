"""Migrations carry existing books forward: an appliance upgrade keeps every posted line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from tests.conftest import PG_ADMIN_URL, PG_TEST_DB
from wisebook.db import migrate

ENTRY = """
INSERT INTO entries (company_id, journal_id, fiscal_year_id, period_id, entry_date, label, status,
                     total, created_at)
SELECT c.id, j.id, f.id, p.id, '2026-03-14', 'Vente', 'brouillon', 100, CURRENT_TIMESTAMP
  FROM companies c, journals j, fiscal_years f, periods p
 WHERE j.company_id = c.id AND j.code = 'VTE' AND f.company_id = c.id AND p.fiscal_year_id = f.id
   AND p.number = 3
"""
LINE = """
INSERT INTO lines (entry_id, line_no, account_id, label, debit, credit)
SELECT e.id, :no, a.id, '', :debit, :credit FROM entries e, accounts a WHERE a.code = :code
"""

BOOKS_0001 = (
    "INSERT INTO companies (id, name, country, currency, created_at)"
    " VALUES (1, 'Ancienne SARL', 'SN', 'XOF', CURRENT_TIMESTAMP)",
    "INSERT INTO journals (id, company_id, code, label, kind) VALUES (1, 1, 'VTE', 'Ventes', 'ventes')",
    "INSERT INTO fiscal_years (id, company_id, code, start_date, end_date, status)"
    " VALUES (1, 1, '2026', '2026-01-01', '2026-12-31', 'ouvert')",
    "INSERT INTO periods (id, fiscal_year_id, number, start_date, end_date, locked)"
    " VALUES (1, 1, 3, '2026-03-01', '2026-03-31', false)",
    "INSERT INTO accounts (id, company_id, code, label, account_class, nature, lettrable, postable)"
    " VALUES (1, 1, '4111', 'Clients', 4, 'actif', true, true), (2, 1, '7011', 'Ventes', 7, 'produit', false, true)",
)


@pytest.fixture
def blank_engine(backend: str, tmp_path: Any) -> Iterator[Engine]:
    """An empty database of the backend, apart from the suite's."""
    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'upgrade.sqlite'}")
        yield engine
        engine.dispose()
        return
    name = f"{PG_TEST_DB}_upgrade"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_0002_dates_the_lines_of_books_kept_under_0001(blank_engine):
    migrate.upgrade(blank_engine, "0001")
    with blank_engine.begin() as conn:  # books as 0001 kept them (today's services write today's schema)
        for statement in BOOKS_0001:
            conn.execute(text(statement))
        conn.execute(text(ENTRY))
        conn.execute(text(LINE), {"no": 1, "debit": 100, "credit": 0, "code": "4111"})
        conn.execute(text(LINE), {"no": 2, "debit": 0, "credit": 100, "code": "7011"})
        conn.execute(
            text(
                "UPDATE entries SET status = 'validee', number = 'VTE-2026-000001', hash = 'h', sequence = 1"
            )
        )

    migrate.upgrade(blank_engine)

    with blank_engine.connect() as conn:
        dates = conn.execute(text("SELECT DISTINCT entry_date FROM lines")).scalars().all()
    assert [str(d) for d in dates] == ["2026-03-14"]
    if blank_engine.dialect.name == "postgresql":  # the guard is back on after the backfill
        with pytest.raises(DBAPIError, match="validée"), blank_engine.begin() as conn:
            conn.execute(text("UPDATE lines SET label = 'changé'"))


SUB_LEDGER_LINES = (  # entry, line, account, debit, credit, tiers
    (1, 1, "4111", 300, 0, "C001"),  # a sale to C001, lettered with its payment (entry 2)
    (1, 2, "7011", 0, 300, None),
    (2, 1, "7011", 300, 0, None),
    (2, 2, "4111", 0, 300, "C001"),
    (3, 1, "4111", 500, 0, "C001"),  # a sale to C001, still open
    (3, 2, "7011", 0, 500, "C001"),  # a tiers on an account that is not lettered
    (4, 1, "4111", 70, 0, None),  # an open line without a tiers
    (4, 2, "7011", 0, 70, None),
)


def _books_with_tiers_codes(engine: Engine) -> None:
    """Books as kept before 0017: lines naming tiers by code, one lettrage, no sums."""
    with engine.begin() as conn:
        for statement in BOOKS_0001:
            conn.execute(text(statement))
        for number in range(1, 5):
            conn.execute(
                text(
                    ENTRY.replace("SELECT c.id,", f"SELECT {number}, c.id,").replace(
                        "(company_id,", "(id, company_id,"
                    )
                )
            )
        for entry, no, code, debit, credit, partner in SUB_LEDGER_LINES:
            conn.execute(
                text(
                    "INSERT INTO lines (id, entry_id, line_no, account_id, label, debit, credit, partner, entry_date)"
                    " SELECT :id, :entry, :no, a.id, '', :debit, :credit, :partner, '2026-03-14'"
                    " FROM accounts a WHERE a.code = :code"
                ),
                {
                    "id": entry * 10 + no,
                    "entry": entry,
                    "no": no,
                    "code": code,
                    "debit": debit,
                    "credit": credit,
                    "partner": partner,
                },
            )
        conn.execute(
            text(
                "UPDATE entries SET status = 'validee', number = 'VTE-2026-00000' || id, hash = 'h', sequence = id"
            )
        )
        conn.execute(
            text(
                "INSERT INTO reconciliations (id, company_id, account_id, partner, code, created_at)"
                " VALUES (1, 1, 1, 'C001', 'A', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text("INSERT INTO reconciliation_lines (line_id, reconciliation_id) VALUES (11, 1), (22, 1)")
        )


def test_0017_sums_the_sub_ledger_of_books_kept_before_it(blank_engine):
    migrate.upgrade(blank_engine)
    _books_with_tiers_codes(blank_engine)
    migrate.downgrade(blank_engine, "0016")

    migrate.upgrade(blank_engine)

    with blank_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.code, b.partner, b.debit, b.credit, b.open_lines, b.open_amount"
                " FROM partner_balances b JOIN accounts a ON a.id = b.account_id ORDER BY a.code, b.partner"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("4111", "", 70, 0, 1, 70),
        ("4111", "C001", 800, 300, 1, 500),  # the lettered pair is summed, not left open
        ("7011", "C001", 0, 500, 0, 0),
    ]


def test_0018_registers_each_tiers_code_the_books_already_carry(blank_engine):
    migrate.upgrade(blank_engine)
    _books_with_tiers_codes(blank_engine)
    migrate.downgrade(blank_engine, "0017")  # the register gone: the books as 0017 kept them

    migrate.upgrade(blank_engine)

    with blank_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.code, p.name, p.kind, a.code, p.country FROM partners p"
                " JOIN accounts a ON a.id = p.account_id ORDER BY p.code"
            )
        ).all()
    # C001 is on 4111 three times and on 7011 once: a client of 4111, named after its code.
    assert [tuple(r) for r in rows] == [("C001", "C001", "client", "4111", "SN")]
