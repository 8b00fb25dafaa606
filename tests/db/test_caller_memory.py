"""A web process keeps the callers it has checked (services.access.auth.CallerMemory) only as
long as PostgreSQL's notices say nothing changed (db.notices, migration 0015)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from tests.conftest import login
from wisebook.services.access.auth import CallerMemory

pytestmark = pytest.mark.postgresql


def _unnoticed(engine, sql: str, **params) -> None:
    """A change the database sends no notice of (its triggers off for this transaction): what
    only a caller kept in memory would not see."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)


def _until(check, seconds: float = 5.0) -> float:
    """Seconds until ``check()`` holds; fails past ``seconds``."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, "not within the time allowed"
        time.sleep(0.01)
    return time.monotonic() - started


@pytest.fixture
def memory(app) -> CallerMemory:
    kept = app.registry.wisebook_callers
    assert kept is not None and kept.listener.wait_live(10)
    return kept


def test_a_checked_token_is_taken_from_memory_until_the_database_says_it_changed(
    engine, testapp, books, memory
):
    headers = {"Authorization": f"Bearer {login(testapp)}"}
    testapp.get("/api/v1/journaux/", headers=headers, status=200)
    _unnoticed(engine, "UPDATE auth_tokens SET revoked_at = now()")
    testapp.get("/api/v1/journaux/", headers=headers, status=200)  # kept: nothing said it changed
    with engine.begin() as conn:  # the same change, said: the trigger's notice
        conn.execute(text("UPDATE auth_tokens SET revoked_at = now()"))
    _until(lambda: testapp.get("/api/v1/journaux/", headers=headers, expect_errors=True).status_int == 401)


def test_a_role_changed_by_another_process_applies_within_a_moment(engine, testapp, books, memory):
    headers = {"Authorization": f"Bearer {login(testapp)}"}
    journal = {"code": "CAI2", "libelle": "Caisse annexe", "type": "tresorerie"}
    testapp.get("/api/v1/journaux/", headers=headers, status=200)
    with engine.begin() as conn:
        conn.execute(text("UPDATE memberships SET role = 'lecteur'"))
    _until(
        lambda: (
            testapp.post_json("/api/v1/journaux/", journal, headers=headers, expect_errors=True).status_int
            == 403
        )
    )


def test_a_logout_refuses_the_token_at_once_in_the_process_that_made_it(testapp, books, memory):
    headers = {"Authorization": f"Bearer {login(testapp)}"}
    testapp.get("/api/v1/journaux/", headers=headers, status=200)
    epoch = memory.listener.epoch
    testapp.post("/api/v1/auth/logout/", headers=headers, status=204)
    assert memory.listener.epoch != epoch  # moved at its commit, before the answer left
    testapp.get("/api/v1/journaux/", headers=headers, status=401)


def test_while_the_notices_are_not_heard_nothing_kept_is_used(engine, testapp, books, memory):
    headers = {"Authorization": f"Bearer {login(testapp)}"}
    testapp.get("/api/v1/journaux/", headers=headers, status=200)
    listener, epoch = memory.listener, memory.listener.epoch
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": listener.pid})
    _until(lambda: listener.epoch != epoch)  # the loss is noticed
    _unnoticed(engine, "UPDATE auth_tokens SET revoked_at = now()")
    testapp.get("/api/v1/journaux/", headers=headers, status=401)
    assert listener.wait_live(10)  # back: kept again
    again = {"Authorization": f"Bearer {login(testapp)}"}
    testapp.get("/api/v1/journaux/", headers=again, status=200)
    _unnoticed(engine, "UPDATE auth_tokens SET revoked_at = now()")
    testapp.get("/api/v1/journaux/", headers=again, status=200)


def test_a_caller_read_while_the_epoch_moved_is_not_kept(memory):
    epoch = memory.epoch()
    assert epoch is not None
    memory.listener.moved()  # a notice between the read and the keeping
    memory.keep(("jti", 1), None, epoch)
    assert memory.get(("jti", 1)) is None
    memory.keep(("jti", 1), None, memory.listener.epoch)
    assert memory.get(("jti", 1)) is not None
