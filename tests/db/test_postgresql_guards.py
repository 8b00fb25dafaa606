"""PostgreSQL refuses what the services never try: changing posted entries, unbalanced posting."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import sale

pytestmark = pytest.mark.postgresql


def posted(api):
    return api.post("/api/v1/ecritures/", sale(), status=201).json["id"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE entries SET label = 'changé' WHERE id = :id",
        "DELETE FROM entries WHERE id = :id",
        "UPDATE lines SET debit = debit + 1 WHERE entry_id = :id AND debit > 0",
        "DELETE FROM lines WHERE entry_id = :id",
        "INSERT INTO lines (entry_id, line_no, account_id, label, debit, credit, entry_date) "
        "SELECT :id, 99, account_id, '', 1, 0, entry_date FROM lines WHERE entry_id = :id LIMIT 1",
    ],
)
def test_the_database_refuses_to_change_a_posted_entry(api, engine, statement):
    entry_id = posted(api)
    with pytest.raises(DBAPIError, match="validée"), engine.begin() as conn:
        conn.execute(text(statement), {"id": entry_id})


def test_the_database_refuses_to_post_an_unbalanced_entry_at_commit(api, engine):
    draft = api.post("/api/v1/ecritures/", sale(post=False), status=201).json["id"]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE lines SET credit = credit + 1 WHERE entry_id = :id AND credit > 0 AND line_no = 2"),
            {"id": draft},
        )
    with pytest.raises(IntegrityError) as refused, engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE entries SET status = 'validee', number = 'X', hash = 'h', sequence = 1 WHERE id = :id"
            ),
            {"id": draft},
        )
    # Raised at COMMIT by the deferred trigger (psycopg2 decodes commit-time messages as ASCII,
    # so the check reads the SQLSTATE and the figures rather than the French words).
    assert refused.value.orig.pgcode == "23514"
    assert "118000" in str(refused.value) and "118001" in str(refused.value)


def test_check_constraints_refuse_negative_and_double_sided_lines(api, engine):
    draft = api.post("/api/v1/ecritures/", sale(post=False), status=201).json["id"]
    for values in ("-1, 0", "5, 5", "0, 0"):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO lines (entry_id, line_no, account_id, label, debit, credit, entry_date) "
                    f"SELECT :id, 50, account_id, '', {values}, entry_date FROM lines WHERE entry_id = :id LIMIT 1"
                ),
                {"id": draft},
            )
