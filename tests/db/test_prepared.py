"""Statements built once run as PostgreSQL prepared statements (``db.prepared``), with the same
answers as their text; and the reads declared ``transaction=False`` run without a transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import (
    Integer,
    String,
    TypeDecorator,
    bindparam,
    event,
    func,
    literal,
    select,
    text,
    type_coerce,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.conftest import login, page_login
from wisebook.db import autocommit_twin, models, rows, run
from wisebook.db.prepared import PREPARE
from wisebook.services.books import chart

pytestmark = pytest.mark.postgresql

ACCOUNTS = (
    select(models.Account.code, models.Account.label)
    .where(models.Account.company_id == bindparam("company"), models.Account.code.startswith(bindparam("p")))
    .order_by(models.Account.code)
    .limit(bindparam("n", type_=Integer))
)


def _prepared(session: Session) -> list[str]:
    return list(session.scalars(text("SELECT statement FROM pg_prepared_statements")))


def test_a_statement_is_prepared_once_per_connection_and_answers_as_its_text(engine, books):
    with Session(engine) as s:
        expected = list(s.execute(ACCOUNTS, {"company": books.company_id, "p": "41", "n": 3}))
        first = list(run(s, ACCOUNTS, company=books.company_id, p="41", n=3))
        again = list(run(s, ACCOUNTS, company=books.company_id, p="52", n=2))
        prepared = [p for p in _prepared(s) if "accounts.code LIKE $2 || '%'" in p]
    assert first == expected and len(first) == 3 and first[0].code.startswith("41")
    assert [r.code[:2] for r in again] == ["52", "52"]
    assert len(prepared) == 1  # once on this connection, whichever test ran it first


def test_a_prepared_argument_is_compared_whole_not_cut_to_its_column_s_length(engine, books):
    # accounts.code is VARCHAR(12): a 16-digit cursor must find nothing after it, not a cut one
    with Session(engine) as s:
        rows, following = chart.list_accounts(s, books.company_id, limit=5, after="4111" + "9" * 12)
        assert following is not None and rows[0].code > "4111" + "9" * 12
        words, _ = chart.list_accounts(s, books.company_id, q="x" * 300, limit=5)
        assert words == []
        assert list(run(s, ACCOUNTS, company=527806849032331, p="4", n=1)) == []  # beyond INTEGER


def test_a_statement_whose_text_changes_per_call_is_not_prepared(engine, books):
    many = select(models.Account.code).where(models.Account.code.in_(bindparam("codes", expanding=True)))
    untyped = text("SELECT count(*) FROM accounts WHERE company_id = :c")
    with Session(engine) as s:
        before = _prepared(s)
        assert sorted(run(s, many, codes=["4111", "521"]).scalars()) == ["4111", "521"]
        assert run(s, untyped, c=books.company_id).scalar() > 1000
        assert run(s, ACCOUNTS, company=books.company_id, p="7", n=1).one()
        made = [p for p in _prepared(s) if p not in before]
    assert len(made) <= 1 and all("LIMIT $3" in p for p in made)  # ACCOUNTS only, if it was new


def test_a_prepared_statement_survives_a_rollback_and_a_change_of_its_table(engine, books):
    with Session(engine) as s:
        assert len(list(run(s, ACCOUNTS, company=books.company_id, p="6", n=1))) == 1
        s.rollback()
        s.execute(text("ALTER TABLE accounts ADD COLUMN wisebook_probe integer"))
        try:
            assert len(list(run(s, ACCOUNTS, company=books.company_id, p="6", n=2))) == 2
        finally:
            s.rollback()


def _autocommit_seen(engine, testapp, path: str, headers: dict[str, str]) -> set[bool]:
    seen: set[bool] = set()

    def record(dbapi_connection, record, proxy):  # the hot reads go to the driver directly
        seen.add(bool(dbapi_connection.autocommit))

    pools = (engine.pool, autocommit_twin(engine).pool)
    for pool in pools:
        event.listen(pool, "checkout", record)
    try:
        testapp.get(path, headers=headers, status=200)
    finally:
        for pool in pools:
            event.remove(pool, "checkout", record)
    return seen


def test_a_read_declared_without_transaction_runs_in_autocommit_and_the_others_do_not(engine, testapp, books):
    headers = {"Authorization": f"Bearer {login(testapp)}"}
    twin = autocommit_twin(engine)
    held = twin.pool.checkedout()
    assert _autocommit_seen(engine, testapp, "/api/v1/journaux/", headers) == {True}
    assert twin.pool.checkedout() == held  # its session, joined to no transaction, closed at the end
    assert _autocommit_seen(engine, testapp, "/api/v1/comptes/?limite=5", headers) == {True}
    assert _autocommit_seen(engine, testapp, "/api/v1/dashboard/", headers) == {True}
    assert _autocommit_seen(engine, testapp, "/api/v1/exercices/", headers) == {False}


def test_a_browser_session_is_touched_by_a_read_without_transaction(engine, testapp, books):
    page_login(testapp, {"email": books.admin_email, "password": books.admin_password})
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with Session(engine) as s, s.begin():
        s.execute(models.BrowserSession.__table__.update().values(last_seen_at=stale))
    testapp.get("/api/v1/journaux/", status=200)
    with Session(engine) as s:
        seen = s.scalar(select(models.BrowserSession.last_seen_at))
    assert seen is not None and seen.replace(tzinfo=dt.UTC) > stale + dt.timedelta(minutes=4)


def test_a_statement_streamed_through_a_server_side_cursor_runs_as_its_text(engine, books):
    with Session(engine) as s:
        streamed = s.execute(
            ACCOUNTS,
            {"company": books.company_id, "p": "6", "n": 50},
            execution_options={"stream_results": True, PREPARE: True},
        ).partitions(10)
        assert sum(len(part) for part in streamed) == 50
        assert run(s, text("SET LOCAL work_mem = '8MB'")) is not None  # not a statement PREPARE takes


def test_a_read_run_by_the_driver_answers_as_sqlalchemy_does_and_is_prepared_once(engine, books):
    with Session(engine) as s:
        expected = list(s.execute(ACCOUNTS, {"company": books.company_id, "p": "41", "n": 3}))
        first = rows(s, ACCOUNTS, company=books.company_id, p="41", n=3)
        again = rows(s, ACCOUNTS, company=books.company_id, p="52", n=2)
        made = [p for p in _prepared(s) if "accounts.code LIKE $2 || '%'" in p]
    assert [tuple(r) for r in first] == [tuple(r) for r in expected] and len(first) == 3
    assert [r.code[:2] for r in again] == ["52", "52"] and again[0].label
    assert len(made) == 1


class _Marked(TypeDecorator):
    impl = String
    cache_ok = True

    def process_result_value(self, value, dialect):
        return f"<{value}>"


def test_a_read_whose_columns_need_converting_goes_through_sqlalchemy(engine, books):
    marked = select(type_coerce(models.Account.code, _Marked)).where(
        models.Account.company_id == bindparam("company"), models.Account.code == "4111"
    )
    with Session(engine) as s:
        assert [tuple(r) for r in rows(s, marked, company=books.company_id)] == [("<4111>",)]
    unnamed = select(models.Account.code, literal(1, Integer)).where(models.Account.code == "4111")
    with Session(engine) as s:
        assert [tuple(r) for r in rows(s, unnamed)] == [("4111", 1)]


def test_a_read_on_a_lost_connection_raises_as_sqlalchemy_does_and_the_pool_replaces_it(engine, books):
    with Session(engine) as s:
        pid = rows(s, select(func.pg_backend_pid().label("pid")))[0].pid
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        with pytest.raises(OperationalError) as lost:
            rows(s, ACCOUNTS, company=books.company_id, p="41", n=1)
        assert lost.value.connection_invalidated
    with Session(engine) as s:
        assert len(rows(s, ACCOUNTS, company=books.company_id, p="41", n=1)) == 1
